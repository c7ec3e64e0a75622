package dev.infrakit.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.util.Map;

/** The condition of {@link ConditionalOnInfrakit}. */
final class OnInfrakitCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnInfrakit.class.getName());
        if (attributes == null) {
            return ConditionOutcome.noMatch("no @ConditionalOnInfrakit");
        }
        String prefix = (String) attributes.get("prefix");
        String[] keys = (String[]) attributes.get("keys");
        Environment environment = context.getEnvironment();
        String enabledKey = prefix + ".enabled";
        String enabled = environment.getProperty(enabledKey);
        if (enabled != null && !enabled.isBlank()) {
            boolean on = Boolean.parseBoolean(enabled.trim());
            if (!on && !"false".equalsIgnoreCase(enabled.trim())) {
                // Let the properties binding report it; a capability is not guessed on or off.
                return ConditionOutcome.match(enabledKey + " is set (" + enabledKey + " is not a boolean; binding reports it)");
            }
            return on ? ConditionOutcome.match(enabledKey + " is true") : ConditionOutcome.noMatch(enabledKey + " is false");
        }
        for (String key : keys) {
            String full = prefix + "." + key;
            if (environment.containsProperty(full) || environment.containsProperty(full + "[0]")) {
                return ConditionOutcome.match(full + " is set");
            }
        }
        return ConditionOutcome.noMatch("none of " + prefix + ".enabled, " + String.join(", ", keys) + " is set under " + prefix);
    }
}
