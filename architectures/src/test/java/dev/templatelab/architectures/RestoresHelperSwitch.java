package dev.templatelab.architectures;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For tests that flip DL4J's helper switch to compare the oneDNN path with the stock one: configures the runtime
 * first, and puts the switch back as it found it after the class, so later tests run on the default fast path.
 */
public final class RestoresHelperSwitch implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RestoresHelperSwitch.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Nd4jRuntime.configure();
        context.getStore(NAMESPACE).put("previous", System.getProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String previous = context.getStore(NAMESPACE).get("previous", String.class);
        if (previous == null) {
            System.clearProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY);
        } else {
            System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, previous);
        }
    }
}
