package dev.templatelab.web.layout;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The theme's monospace text (SHA-256s, event lines) wraps between words where it can. */
class ThemeStylesTest {

    private static final Path STYLES = Path.of("src", "main", "frontend", "themes", "templatelab", "styles.css");

    @Test
    void monospaceTextWrapsBetweenWordsAndBreaksOnlyWhatDoesNotFit() throws IOException {
        String css = Files.readString(STYLES);
        String mono = css.substring(css.indexOf(".tl-mono {"), css.indexOf('}', css.indexOf(".tl-mono {")));
        // word-break: break-all cut event lines mid-word ("rank belo / w it"); overflow-wrap breaks only a long hash
        assertThat(mono).doesNotContain("break-all").contains("overflow-wrap: anywhere");
    }
}
