package dev.templatelab.web.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document at {@code /v3/api-docs}: HTTP basic authentication, and on every operation the error answers
 * as they are ({@link ApiErrors}: a JSON {@code {"error", "field"?, "parameters"?}} body). Each endpoint names its
 * own success and error statuses with {@code @ApiResponse}; this adds the 401 every endpoint may give and the error
 * body's schema. A 416 has no body.
 */
@Configuration
class ApiDocs {

    static final String BASIC = "basic";
    private static final String ERROR_SCHEMA = "Error";

    @Bean
    OpenAPI templateLabApi() {
        Schema<?> error = new ObjectSchema()
                .addProperty("error", new StringSchema().description("what is wrong and what to do"))
                .addProperty("field", new StringSchema().description("the request field at fault, where there is one"))
                .addProperty("parameters", new ArraySchema().items(new StringSchema()).description("for a refused "
                        + "search space, the parameters at fault where it names them: Template.name, or name for an "
                        + "entry of every template"))
                .required(List.of("error"));
        return new OpenAPI()
                .info(new Info().title("TemplateLab REST API").description("Datasets, experiments, trials and "
                        + "checkpoints. Viewers read; launching, stopping and deleting need the operator role."))
                .components(new Components()
                        .addSecuritySchemes(BASIC, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("basic"))
                        .addSchemas(ERROR_SCHEMA, error))
                .addSecurityItem(new SecurityRequirement().addList(BASIC));
    }

    @Bean
    OperationCustomizer errorAnswers() {
        return (operation, handler) -> {
            operation.getResponses().computeIfAbsent("401", code -> new ApiResponse()
                    .description("no credentials, or wrong ones"));
            // springdoc gives every declared response the handler's return type; an error's body is an Error.
            operation.getResponses().forEach((code, response) -> {
                if (code.equals("416")) {
                    response.setContent(null);
                } else if (code.startsWith("4") || code.startsWith("5")) {
                    response.setContent(new Content().addMediaType("application/json",
                            new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + ERROR_SCHEMA))));
                }
            });
            return operation;
        };
    }
}
