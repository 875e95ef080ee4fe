package dev.templatelab.web.api;

import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.springframework.boot.autoconfigure.jackson.Jackson2ObjectMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.converter.json.Jackson2ObjectMapperBuilder;
import org.springframework.http.converter.yaml.MappingJackson2YamlHttpMessageConverter;

/**
 * Request bodies in YAML ({@code Content-Type: application/yaml}) follow the rules JSON ones do: an unknown field is
 * refused, a fraction or a quoted number is no whole number. Spring's own YAML converter builds its mapper without
 * Spring Boot's {@code spring.jackson.*} settings; this one, of the same class, takes its place.
 * <p>
 * Both refuse a number or true/false where a string belongs ({@code "name":123}): Jackson would take it as the text
 * "123", and {@code spring.jackson.mapper.allow-coercion-of-scalars} leaves strings out.
 */
@Configuration
class ApiBodies {

    @Bean
    Jackson2ObjectMapperBuilderCustomizer noScalarsAsStrings() {
        return builder -> builder.postConfigurer(mapper -> mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
    }

    @Bean
    MappingJackson2YamlHttpMessageConverter yamlConverter(Jackson2ObjectMapperBuilder bootsBuilder) {
        return new MappingJackson2YamlHttpMessageConverter(bootsBuilder.factory(new YAMLFactory()).build());
    }
}
