package dev.templatelab.web.security;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.github.mvysny.kaributesting.v10.pro.ConfirmDialogKt;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.confirmdialog.ConfirmDialog;
import dev.templatelab.web.TestData;
import dev.templatelab.web.UiTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.util.stream.IntStream;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

/** Deleting a user signs them out everywhere and cannot be undone, so the users page asks first. */
class UsersViewTest extends UiTest {

    @Autowired
    UserAccounts accounts;

    @Test
    void deletingAUserAsksFirst() {
        String name = TestData.unique("gone");
        accounts.create(name, "a-long-password", Role.VIEWER);
        login(Role.ADMIN);
        UI.getCurrent().navigate(UsersView.class);
        UsersView view = _get(UsersView.class);

        _click(deleteButtonOf(view, name));
        ConfirmDialog confirm = _get(ConfirmDialog.class);
        assertThat(ConfirmDialogKt._getHeader(confirm)).isEqualTo("Delete user " + name + "?");
        ConfirmDialogKt._fireCancel(confirm);
        assertThat(accounts.exists(name)).as("kept when the user said no").isTrue();

        _click(deleteButtonOf(view, name));
        ConfirmDialogKt._fireConfirm(_get(ConfirmDialog.class));
        assertThat(accounts.exists(name)).isFalse();
        assertThat(IntStream.range(0, GridKt._size(view.grid)).mapToObj(i -> GridKt._get(view.grid, i).username()))
                .as("the list is redrawn").doesNotContain(name);
    }

    private static Button deleteButtonOf(UsersView view, String name) {
        int row = IntStream.range(0, GridKt._size(view.grid))
                .filter(i -> GridKt._get(view.grid, i).username().equals(name)).findFirst().orElseThrow();
        return (Button) GridKt._getCellComponent(view.grid, row, "delete");
    }
}
