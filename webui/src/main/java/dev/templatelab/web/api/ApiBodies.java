package dev.templatelab.web.api;

import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.converter.json.Jackson2ObjectMapperBuilder;
import org.springframework.http.converter.yaml.MappingJackson2YamlHttpMessageConverter;

/**
 * Request bodies in YAML ({@code Content-Type: application/yaml}) follow the rules JSON ones do: an unknown field is
 * refused, a fraction or a quoted number is no whole number. Spring's own YAML converter builds its mapper without
 * Spring Boot's {@code spring.jackson.*} settings; this one, of the same class, takes its place.
 */
@Configuration
class ApiBodies {

    @Bean
    MappingJackson2YamlHttpMessageConverter yamlConverter(Jackson2ObjectMapperBuilder bootsBuilder) {
        return new MappingJackson2YamlHttpMessageConverter(bootsBuilder.factory(new YAMLFactory()).build());
    }
}
