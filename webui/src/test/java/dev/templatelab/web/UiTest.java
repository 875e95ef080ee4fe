package dev.templatelab.web;

import com.github.mvysny.fakeservlet.FakeRequest;
import com.github.mvysny.kaributesting.v10.MockVaadin;
import com.github.mvysny.kaributesting.v10.Routes;
import com.github.mvysny.kaributesting.v10.spring.MockSpringServlet;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.server.VaadinServletRequest;
import dev.templatelab.web.security.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.userdetails.User;

import java.util.List;

/**
 * Server-side UI tests without a browser (Karibu Testing): the real views with their Spring beans, a
 * mocked Vaadin session, and a logged-in user whose roles the views and the router's access checks see.
 */
public abstract class UiTest extends WebAppTest {

    private static Routes routes;

    @Autowired
    ApplicationContext context;

    @BeforeAll
    static void discoverRoutes() {
        routes = new Routes().autoDiscoverViews("dev.templatelab.web");
    }

    @BeforeEach
    void setUpVaadin() {
        login(Role.OPERATOR);
    }

    @AfterEach
    void tearDownVaadin() {
        MockVaadin.tearDown();
        SecurityContextHolder.clearContext();
    }

    /** Starts a fresh mocked UI with a user holding {@code role} (and the roles below it). */
    protected void login(Role role) {
        MockVaadin.tearDown();
        List<SimpleGrantedAuthority> authorities = role.implied().stream()
                .map(r -> new SimpleGrantedAuthority(Role.PREFIX + r.name())).toList();
        String name = role == Role.VIEWER ? VIEWER : role == Role.OPERATOR ? OPERATOR : "admin";
        var auth = new UsernamePasswordAuthenticationToken(new User(name, "x", authorities), "x", authorities);
        SecurityContextHolder.getContext().setAuthentication(auth);
        MockVaadin.setup(UI::new, new MockSpringServlet(routes, context, UI::new));
        FakeRequest request = (FakeRequest) VaadinServletRequest.getCurrent().getRequest();
        request.setUserPrincipalInt(auth);
        request.setUserInRole((principal, r) -> role.implied().stream().anyMatch(i -> i.name().equals(r)));
    }
}
