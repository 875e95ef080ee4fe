package dev.templatelab.web.layout;

import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.ErrorParameter;
import com.vaadin.flow.router.HasErrorParameter;
import com.vaadin.flow.router.NotFoundException;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.ParentLayout;
import jakarta.annotation.security.PermitAll;
import jakarta.servlet.http.HttpServletResponse;

/**
 * An unknown path or id (a view reroutes here with "no experiment 12"): said inside the app's layout, with a link
 * back, instead of Vaadin's bare "Could not navigate" page (which shows the reason in development mode only).
 */
@ParentLayout(MainLayout.class)
@PageTitle("Not found · TemplateLab")
@PermitAll
public class NotFoundView extends ErrorPage implements HasErrorParameter<NotFoundException> {

    @Override
    public int setErrorParameter(BeforeEnterEvent event, ErrorParameter<NotFoundException> parameter) {
        String path = event.getLocation().getPath();
        String reason = parameter.hasCustomMessage() ? parameter.getCustomMessage() : null;
        // A view's own reason ("no experiment 12") says more than the path; the router's names no page of ours.
        boolean fromView = viewAt(path).isPresent() && reason != null && !reason.isBlank();
        show("Not found", fromView ? sentence(reason) : "There is no page at /" + path + ".");
        return HttpServletResponse.SC_NOT_FOUND;
    }
}
