package io.otpgate.server.system;

import java.util.Optional;

import tools.jackson.databind.JsonNode;

/**
 * Reads the fields of a JSON request body, refusing wrong shapes with a message that names the field and the rule
 * (never echoing the value). Bodies are read as trees so that every malformed one gets a 400 of ours.
 */
public final class JsonBodies {

    private JsonBodies() {
    }

    /** The body as an object; an absent body counts as {@code {}} (a JSON {@code null} is refused). */
    public static JsonNode object(JsonNode body) {
        if (body == null || body.isMissingNode()) {
            return tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        if (!body.isObject()) {
            throw ApiRefusal.badRequest("request body must be a JSON object");
        }
        return body;
    }

    /**
     * A string field.
     *
     * @return empty when absent or null
     * @throws ApiRefusal 400 when not a string or longer than {@code maxLength}
     */
    public static Optional<String> text(JsonNode object, String field, int maxLength) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull() || value.isMissingNode()) {
            return Optional.empty();
        }
        if (!value.isString()) {
            throw ApiRefusal.badRequest("`" + field + "` must be a string");
        }
        String text = value.stringValue();
        if (text.length() > maxLength) {
            throw ApiRefusal.badRequest("`" + field + "` must be at most " + maxLength + " characters");
        }
        return Optional.of(text);
    }

    /** A string field that must be present and not empty. */
    public static String requiredText(JsonNode object, String field, int maxLength) {
        return text(object, field, maxLength).filter(t -> !t.isEmpty())
                .orElseThrow(() -> ApiRefusal.badRequest("Request body `" + field + "` should not be null"));
    }

    /**
     * A boolean field.
     *
     * @return {@code absent} when absent or null
     * @throws ApiRefusal 400 when not {@code true} or {@code false}
     */
    public static boolean bool(JsonNode object, String field, boolean absent) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull() || value.isMissingNode()) {
            return absent;
        }
        if (!value.isBoolean()) {
            throw ApiRefusal.badRequest("`" + field + "` must be true or false");
        }
        return value.booleanValue();
    }

    /**
     * An integer field within a range.
     *
     * @return empty when absent
     */
    public static Optional<Integer> integer(JsonNode object, String field, int min, int max) {
        JsonNode value = object.get(field);
        if (value == null || value.isMissingNode()) {
            return Optional.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min || value.intValue() > max) {
            throw ApiRefusal.badRequest("`" + field + "` must be an integer in " + min + ".." + max);
        }
        return Optional.of(value.intValue());
    }

    /**
     * An object field that must be present (a nested JSON document, such as a passkey's answer).
     *
     * @throws ApiRefusal 400 when absent, null or not an object
     */
    public static JsonNode requiredObject(JsonNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull() || value.isMissingNode()) {
            throw ApiRefusal.badRequest("Request body `" + field + "` should not be null");
        }
        if (!value.isObject()) {
            throw ApiRefusal.badRequest("`" + field + "` must be a JSON object");
        }
        return value;
    }
}
