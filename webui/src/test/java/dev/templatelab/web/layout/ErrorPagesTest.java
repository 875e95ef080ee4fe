package dev.templatelab.web.layout;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.router.RouterLink;
import dev.templatelab.web.UiTest;
import dev.templatelab.web.experiments.ExperimentsView;
import dev.templatelab.web.security.Role;
import org.junit.jupiter.api.Test;

import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

/** Unknown ids and pages, and pages a role may not open, are said inside the app's layout with a link back. */
class ErrorPagesTest extends UiTest {

    @Test
    void anUnknownExperimentSaysSoInsideTheLayoutWithALinkToTheList() {
        UI.getCurrent().navigate("experiments/987654321");

        assertThat(heading()).isEqualTo("Not found");
        assertThat(message()).isEqualTo("No experiment 987654321.");
        assertThat(_get(MainLayout.class).getContent()).isSameAs(UI.getCurrent().getCurrentView());
        followBack();
    }

    @Test
    void anUnknownTrialSaysWhatWasNotFound() {
        UI.getCurrent().navigate("trials/987654321");
        assertThat(message()).isEqualTo("No trial 987654321.");

        UI.getCurrent().navigate("experiments/abc");
        assertThat(message()).isEqualTo("No experiment abc.");
    }

    @Test
    void aViewerOpeningTheOperatorsPageIsToldWhichRoleItNeeds() {
        login(Role.VIEWER);
        UI.getCurrent().navigate("experiments/new");

        assertThat(heading()).isEqualTo("Not allowed");
        assertThat(message()).contains("/experiments/new needs the operator role")
                .contains("signed in as " + VIEWER + " (viewer)");
        assertThat(_get(MainLayout.class).getContent()).isSameAs(UI.getCurrent().getCurrentView());
        followBack();
    }

    @Test
    void anOperatorOpeningTheUsersPageIsToldItNeedsAdmin() {
        UI.getCurrent().navigate("users");
        assertThat(message()).contains("/users needs the admin role");
    }

    private static String heading() {
        return _get(H2.class, spec -> spec.withId("error-heading")).getText();
    }

    private static String message() {
        return _get(Paragraph.class, spec -> spec.withId("error-message")).getText();
    }

    private static void followBack() {
        UI.getCurrent().navigate(_get(RouterLink.class, spec -> spec.withId("error-back")).getHref());
        assertThat(UI.getCurrent().getCurrentView()).isInstanceOf(ExperimentsView.class);
    }
}
