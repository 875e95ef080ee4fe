package dev.templatelab.web.layout;

import com.vaadin.flow.component.confirmdialog.ConfirmDialog;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.notification.NotificationVariant;

/** The pages' two ways of stopping the user: asking before what cannot be undone, and saying what went wrong. */
public final class Dialogs {

    private Dialogs() {
    }

    /**
     * Opens a dialog asking before a step that cannot be undone (deleting, cancelling): a red {@code confirmText}
     * button runs {@code onConfirm}; {@code keepText} (or Escape) closes it and does nothing.
     */
    public static ConfirmDialog confirmDestructive(String header, String text, String confirmText, String keepText,
                                                   Runnable onConfirm) {
        ConfirmDialog confirm = new ConfirmDialog(header, text, confirmText, ok -> onConfirm.run());
        confirm.setCancelable(true);
        confirm.setCancelText(keepText);
        confirm.setConfirmButtonTheme("error primary");
        confirm.open();
        return confirm;
    }

    /** An error notification in the middle of the page, shown long enough to read a sentence or two. */
    public static void showError(String message) {
        Notification.show(message, 8000, Notification.Position.MIDDLE).addThemeVariants(NotificationVariant.LUMO_ERROR);
    }
}
