package dev.templatelab.web.layout;

import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.RouteConfiguration;
import com.vaadin.flow.router.RouterLink;
import dev.templatelab.web.experiments.ExperimentsView;

import java.util.Optional;

/** What the error pages share: inside the main layout, what went wrong, and a way back to the experiments. */
abstract class ErrorPage extends VerticalLayout {

    final H2 heading = new H2();
    final Paragraph message = new Paragraph();
    final RouterLink back = new RouterLink("Back to the experiments", ExperimentsView.class);

    ErrorPage() {
        heading.setId("error-heading");
        message.setId("error-message");
        back.setId("error-back");
        add(heading, message, back);
    }

    void show(String title, String text) {
        heading.setText(title);
        message.setText(text);
    }

    /** The view {@code path} leads to, if it is a page of this app at all. */
    static Optional<Class<? extends com.vaadin.flow.component.Component>> viewAt(String path) {
        return RouteConfiguration.forSessionScope().getRoute(path);
    }

    /** "no experiment 12" as a sentence. */
    static String sentence(String text) {
        String trimmed = text.strip();
        return Character.toUpperCase(trimmed.charAt(0)) + trimmed.substring(1) + (trimmed.endsWith(".") ? "" : ".");
    }
}
