package dev.templatelab.web.layout;

import com.vaadin.flow.component.applayout.AppLayout;
import com.vaadin.flow.component.applayout.DrawerToggle;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.H1;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.sidenav.SideNav;
import com.vaadin.flow.component.sidenav.SideNavItem;
import com.vaadin.flow.spring.security.AuthenticationContext;
import dev.templatelab.web.datasets.DatasetsView;
import dev.templatelab.web.experiments.ExperimentsView;
import dev.templatelab.web.experiments.NewExperimentView;
import dev.templatelab.web.security.Role;
import dev.templatelab.web.security.UsersView;

/** The frame around every page: title, navigation (only what the user's role allows), who is logged in, log out. */
public class MainLayout extends AppLayout {

    public MainLayout(AuthenticationContext auth) {
        H1 title = new H1("TemplateLab");
        title.getStyle().set("font-size", "var(--lumo-font-size-l)").set("margin", "0");
        Span user = new Span(auth.getPrincipalName().orElse("") + " (" + highestRole(auth).label() + ")");
        Button logout = new Button("Log out", VaadinIcon.SIGN_OUT.create(), e -> auth.logout());
        logout.addThemeVariants(ButtonVariant.LUMO_TERTIARY);
        logout.setId("logout");
        HorizontalLayout header = new HorizontalLayout(new DrawerToggle(), title, user, logout);
        header.setWidthFull();
        header.setAlignItems(FlexComponent.Alignment.CENTER);
        header.expand(title);
        header.getStyle().set("padding-right", "var(--lumo-space-m)");
        addToNavbar(header);

        SideNav nav = new SideNav();
        nav.addItem(new SideNavItem("Experiments", ExperimentsView.class, VaadinIcon.FLASK.create()));
        if (auth.hasRole(Role.OPERATOR.name())) {
            nav.addItem(new SideNavItem("New experiment", NewExperimentView.class, VaadinIcon.PLUS.create()));
        }
        nav.addItem(new SideNavItem("Datasets", DatasetsView.class, VaadinIcon.PICTURE.create()));
        if (auth.hasRole(Role.ADMIN.name())) {
            nav.addItem(new SideNavItem("Users", UsersView.class, VaadinIcon.USERS.create()));
        }
        addToDrawer(nav);
    }

    /** The user's highest role (each includes the ones below it). */
    static Role highestRole(AuthenticationContext auth) {
        for (Role r : new Role[] {Role.ADMIN, Role.OPERATOR}) {
            if (auth.hasRole(r.name())) {
                return r;
            }
        }
        return Role.VIEWER;
    }
}
