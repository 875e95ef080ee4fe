package dev.templatelab.cli;

import org.springframework.boot.SpringBootExceptionReporter;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;

/**
 * Keeps Spring Boot from logging a failed start of a context the command line started ({@code tune}, {@code worker},
 * {@code serve}): neither "Application run failed" with a stack trace nor its failure analysis ("APPLICATION FAILED
 * TO START"); the command line prints it as one {@code error:} line with what to do ({@link TemplateLabCli}). Contexts
 * without {@link #PROPERTY} (tests' {@code @SpringBootTest}) log it as usual. Registered in
 * {@code META-INF/spring.factories}.
 */
public class QuietStartupFailures implements SpringBootExceptionReporter, Ordered {

    static final String PROPERTY = "templatelab.cli.quiet-startup-failures";

    private final ConfigurableApplicationContext context;

    public QuietStartupFailures(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /** Before Boot's failure analyzers, which would print their own report. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public boolean reportException(Throwable failure) {
        return context != null && context.getEnvironment().getProperty(PROPERTY, Boolean.class, false);
    }
}
