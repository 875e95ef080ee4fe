package dev.templatelab.web.layout;

import com.vaadin.flow.router.AccessDeniedException;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.ErrorParameter;
import com.vaadin.flow.router.HasErrorParameter;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.ParentLayout;
import com.vaadin.flow.spring.security.AuthenticationContext;
import dev.templatelab.web.security.Role;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.servlet.http.HttpServletResponse;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

/**
 * A signed-in user opening a page their role does not allow (Vaadin's access control reroutes here): says which
 * role the page needs, from the view's {@code @RolesAllowed}, inside the app's layout with a link back.
 */
@ParentLayout(MainLayout.class)
@PageTitle("Not allowed · TemplateLab")
@PermitAll
public class AccessDeniedView extends ErrorPage implements HasErrorParameter<AccessDeniedException> {

    private final AuthenticationContext auth;

    public AccessDeniedView(AuthenticationContext auth) {
        this.auth = auth;
    }

    @Override
    public int setErrorParameter(BeforeEnterEvent event, ErrorParameter<AccessDeniedException> parameter) {
        String path = event.getLocation().getPath();
        String who = auth.getPrincipalName().orElse("?") + " (" + MainLayout.highestRole(auth).label() + ")";
        show("Not allowed", neededRole(path)
                .map(role -> "The page /" + path + " needs the " + role.label() + " role; you are signed in as " + who
                        + ". Ask an admin for the role.")
                .orElse("You are signed in as " + who + ", which may not open /" + path + "."));
        return HttpServletResponse.SC_FORBIDDEN;
    }

    /** The least role the view at {@code path} allows (roles include the ones below them). */
    static Optional<Role> neededRole(String path) {
        return viewAt(path).map(view -> view.getAnnotation(RolesAllowed.class))
                .flatMap(allowed -> Arrays.stream(allowed.value()).map(Role::parse).min(Comparator.naturalOrder()));
    }
}
