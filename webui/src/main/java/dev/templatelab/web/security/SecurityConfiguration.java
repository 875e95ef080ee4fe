package dev.templatelab.web.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.vaadin.flow.spring.security.VaadinWebSecurity;
import com.vaadin.flow.server.VaadinService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.JdbcUserDetailsManager;
import org.springframework.security.core.session.SessionRegistry;
import org.springframework.security.core.session.SessionRegistryImpl;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.session.HttpSessionEventPublisher;
import org.springframework.security.web.session.SessionInformationExpiredEvent;

import javax.sql.DataSource;
import java.io.IOException;
import java.util.Map;

/**
 * Who may do what. The REST API ({@code /api/**}) uses HTTP basic auth without sessions (so no CSRF
 * token is needed there): GET needs viewer, everything else operator. The UI uses Vaadin's login view
 * and session, with CSRF protection on; views declare their roles with {@code @RolesAllowed}.
 * Checkpoint downloads from the UI ({@code /download/**}) need viewer. A deleted user's UI sessions end at once.
 */
@Configuration
@EnableWebSecurity
public class SecurityConfiguration extends VaadinWebSecurity {

    private final ObjectMapper json = new ObjectMapper();

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    JdbcUserDetailsManager userDetailsManager(DataSource dataSource) {
        return new JdbcUserDetailsManager(dataSource);
    }

    /** The UI's signed-in sessions, so deleting a user can end theirs ({@link UserAccounts#delete}). */
    @Bean
    SessionRegistry sessionRegistry() {
        return new SessionRegistryImpl();
    }

    /** Tells the registry when a session ends (else it would keep every session it ever saw). */
    @Bean
    HttpSessionEventPublisher httpSessionEventPublisher() {
        return new HttpSessionEventPublisher();
    }

    /** The REST API: HTTP basic, stateless, JSON errors. */
    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http) throws Exception {
        http.securityMatcher("/api/**")
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers(HttpMethod.GET, "/api/**").hasRole(Role.VIEWER.name())
                        .requestMatchers("/api/**").hasRole(Role.OPERATOR.name()))
                .httpBasic(basic -> basic.authenticationEntryPoint((request, response, e) -> {
                    response.setHeader("WWW-Authenticate", "Basic realm=\"TemplateLab\"");
                    error(response, HttpServletResponse.SC_UNAUTHORIZED,
                            "authentication required: send HTTP basic credentials of a TemplateLab user");
                }))
                .exceptionHandling(ex -> ex.accessDeniedHandler((request, response, e) ->
                        error(response, HttpServletResponse.SC_FORBIDDEN, "user "
                                + (request.getUserPrincipal() == null ? "?" : request.getUserPrincipal().getName())
                                + " may not " + request.getMethod() + " " + request.getRequestURI()
                                + "; this needs the operator role (ask an admin)")))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable());
        return http.build();
    }

    /** The UI: Vaadin's defaults plus the login view. */
    @Override
    protected void configure(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(auth -> auth
                .requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html",
                        "/webjars/**").permitAll()
                // Probes and scrapers carry no credentials; health shows no details, metrics hold no user data.
                .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/prometheus").permitAll()
                .requestMatchers("/download/**").hasRole(Role.VIEWER.name()));
        // Any number of sessions per user, but registered: an expired one (its user deleted) is logged out at its
        // next request, which lands on the login page.
        http.sessionManagement(s -> s.maximumSessions(-1).sessionRegistry(sessionRegistry())
                .expiredSessionStrategy(SecurityConfiguration::sessionEnded));
        super.configure(http);
        setLoginView(http, LoginView.class);
    }

    /**
     * A request in an ended session (its user was deleted): an open page's own request (Vaadin's, {@code v-r=...})
     * is told its session expired, so the page reloads, onto the login page; any other goes to the login page.
     */
    private static void sessionEnded(SessionInformationExpiredEvent event) throws IOException {
        HttpServletRequest request = event.getRequest();
        HttpServletResponse response = event.getResponse();
        if (request.getParameter("v-r") != null) {
            response.setContentType("application/json; charset=UTF-8");
            response.getWriter().write(VaadinService.createSessionExpiredJSON(false));
        } else {
            response.sendRedirect(request.getContextPath() + "/login");
        }
    }

    private void error(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        json.writeValue(response.getOutputStream(), Map.of("error", message));
    }
}
