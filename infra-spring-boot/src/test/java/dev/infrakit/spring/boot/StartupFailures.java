package dev.infrakit.spring.boot;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a failed context start said, through its whole cause chain. */
final class StartupFailures {

    private StartupFailures() {
    }

    /** Every message of the start failure's cause chain. */
    static List<String> messages(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        List<String> messages = new ArrayList<>();
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        return messages;
    }

    /** Asserts the start failed with a cause whose message names {@code key}. */
    static void assertFailedNaming(AssertableApplicationContext context, String key) {
        assertThat(messages(context)).anySatisfy(m -> assertThat(m).contains("'" + key + "'"));
    }
}
