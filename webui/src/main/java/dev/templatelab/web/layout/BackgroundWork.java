package dev.templatelab.web.layout;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.UIDetachedException;
import com.vaadin.flow.server.Command;
import java.util.concurrent.CompletionException;

/** How work done off the request thread (an import, a launch, a live update) reaches its page. */
public final class BackgroundWork {

    private BackgroundWork() {
    }

    /**
     * Runs {@code command} on the page through {@link UI#access} (and push); returns false, running nothing, when the
     * page was closed meanwhile: the work outlives its page.
     */
    public static boolean accessIfOpen(UI ui, Command command) {
        try {
            ui.access(command);
            return true;
        } catch (UIDetachedException closed) {
            return false;
        }
    }

    /** The failure a {@link java.util.concurrent.CompletableFuture} stage passes on, without its wrapper. */
    public static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
