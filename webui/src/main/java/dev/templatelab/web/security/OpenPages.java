package dev.templatelab.web.security;

import com.vaadin.flow.server.ServiceInitEvent;
import com.vaadin.flow.server.VaadinServiceInitListener;
import com.vaadin.flow.server.VaadinSession;
import com.vaadin.flow.server.WrappedSession;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.stereotype.Component;

/**
 * The UI's open sessions, so that deleting a user can send their open pages to the login page at once (through
 * server push) instead of leaving them looking alive while the server refuses them.
 */
@Component
class OpenPages implements VaadinServiceInitListener {

    private final Set<VaadinSession> sessions = ConcurrentHashMap.newKeySet();

    @Override
    public void serviceInit(ServiceInitEvent event) {
        event.getSource().addSessionInitListener(e -> sessions.add(e.getSession()));
        event.getSource().addSessionDestroyListener(e -> sessions.remove(e.getSession()));
    }

    /** Sends every open page of {@code username} to the login page. */
    void sendToLogin(String username) {
        for (VaadinSession session : sessions) {
            session.access(() -> {
                if (username.equals(userOf(session))) {
                    session.getUIs().forEach(ui -> ui.getPage().setLocation("login"));
                }
            });
        }
    }

    private static String userOf(VaadinSession session) {
        WrappedSession http = session.getSession();
        Object context = http == null ? null
                : http.getAttribute(HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY);
        Authentication auth = context instanceof SecurityContext c ? c.getAuthentication() : null;
        return auth == null ? null : auth.getName();
    }
}
