package dev.templatelab.web.security;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.PasswordField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import dev.templatelab.web.layout.Dialogs;
import dev.templatelab.web.layout.MainLayout;
import jakarta.annotation.security.RolesAllowed;

/** Admins add and remove users and pick their role. */
@Route(value = "users", layout = MainLayout.class)
@PageTitle("Users · TemplateLab")
@RolesAllowed("ADMIN")
public class UsersView extends VerticalLayout {

    private final UserAccounts accounts;
    final Grid<UserAccounts.Account> grid = new Grid<>();
    final TextField username = new TextField("User name");
    final PasswordField password = new PasswordField("Password");
    final Select<Role> role = new Select<>();
    final Button add = new Button("Add user");

    public UsersView(UserAccounts accounts) {
        this.accounts = accounts;
        role.setLabel("Role");
        role.setItems(Role.values());
        role.setItemLabelGenerator(Role::label);
        role.setValue(Role.VIEWER);
        password.setHelperText("at least 8 characters");
        add.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        add.addClickListener(e -> create());
        HorizontalLayout form = new HorizontalLayout(username, password, role, add);
        form.setAlignItems(Alignment.BASELINE);
        grid.addColumn(UserAccounts.Account::username).setHeader("User");
        grid.addColumn(a -> a.role().label()).setHeader("Role");
        grid.addComponentColumn(a -> {
            Button delete = new Button("Delete", e -> Dialogs.confirmDestructive("Delete user " + a.username() + "?",
                    "They are signed out at once, everywhere, and can no longer sign in. Nothing they launched or "
                            + "uploaded is deleted.",
                    "Delete", "Keep", () -> {
                        try {
                            accounts.delete(a.username());
                            refresh();
                        } catch (IllegalArgumentException ex) {
                            Dialogs.showError(ex.getMessage());
                        }
                    }));
            delete.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_SMALL);
            return delete;
        }).setKey("delete");
        add(new H2("Users"), form, grid);
        refresh();
    }

    private void create() {
        username.setInvalid(false);
        password.setInvalid(false);
        try {
            accounts.create(username.getValue().trim(), password.getValue(), role.getValue());
            Notification.show("Added " + username.getValue() + " (" + role.getValue().label() + ")");
            username.clear();
            password.clear();
            refresh();
        } catch (IllegalArgumentException e) {
            var field = e.getMessage().startsWith("password") ? password : username;
            field.setErrorMessage(e.getMessage());
            field.setInvalid(true);
        }
    }

    private void refresh() {
        grid.setItems(accounts.list());
    }
}
