package dev.templatelab.web.experiments;

import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import dev.templatelab.web.layout.MainLayout;
import jakarta.annotation.security.RolesAllowed;

/** Launch an experiment (operators). */
@Route(value = "experiments/new", layout = MainLayout.class)
@PageTitle("New experiment · TemplateLab")
@RolesAllowed("OPERATOR")
public class NewExperimentView extends VerticalLayout {

    public NewExperimentView() {
        add(new H2("New experiment"));
    }
}
