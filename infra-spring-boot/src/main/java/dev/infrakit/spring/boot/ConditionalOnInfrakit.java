package dev.infrakit.spring.boot;

import org.springframework.context.annotation.Conditional;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Matches when an Infrakit capability is configured: {@code <prefix>.enabled} is {@code true}, or
 * it is not {@code false} and one of {@code keys} under {@code prefix} is set (a YAML list counts).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Conditional(OnInfrakitCondition.class)
@interface ConditionalOnInfrakit {

    /** The capability's prefix, e.g. {@code infrakit.ratelimit}. */
    String prefix();

    /** Keys under the prefix any one of which configures the capability. */
    String[] keys() default {};
}
