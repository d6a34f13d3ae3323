package trit.rest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.Role;
import trit.api.chat.SamplingParameters;
import trit.api.routing.Route;

/**
 * Reads an OpenAI request body (chat or legacy completion) into a {@link ChatRequest}, checking
 * every field it knows: a bad one is a 400 naming the field, the value and what is accepted.
 * Fields it does not know ({@code tools}, {@code response_format} ...) travel on as extensions.
 */
final class RequestReader {

    /** The limits that apply to one request, from {@code trit.rest}. */
    record Limits(int maxTokensCap, int maxPromptChars) {
        static Limits of(RestConfiguration config) {
            return new Limits(config.max_tokens_cap(), config.max_prompt_chars());
        }
    }

    /** What the REST layer itself needs besides the provider's request. */
    record Parsed(ChatRequest request, boolean includeUsage) {
    }

    /** Extension that tells the local provider the prompt is raw text, not a conversation to template. */
    static final String RAW_PROMPT = "raw_prompt";

    /** The id that lets the router choose. */
    static final String AUTO = "auto";

    private static final Set<String> SAMPLING_AND_CONTROL = Set.of("model", "temperature", "top_p", "top_k", "min_p",
            "repeat_penalty", "repetition_penalty", "max_tokens", "max_completion_tokens", "stop", "seed", "n",
            "presence_penalty", "frequency_penalty", "stream", "stream_options", Route.PRIVACY);
    private static final Set<String> CHAT_FIELDS = union(SAMPLING_AND_CONTROL, Set.of("messages"));
    private static final Set<String> COMPLETION_FIELDS = union(SAMPLING_AND_CONTROL,
            Set.of("prompt", "echo", "suffix", "logprobs", "best_of"));

    private RequestReader() {
    }

    /** A {@code /v1/chat/completions} body. {@code privacyHeader} is {@code X-Trit-Privacy}, or null. */
    static Parsed chat(JsonNode body, String privacyHeader, Limits limits) {
        requireObject(body);
        JsonNode messagesNode = body.get("messages");
        if (messagesNode == null || messagesNode.isNull()) {
            throw ApiException.invalid("messages", "messages is required: a list of {role, content} objects");
        }
        if (!messagesNode.isArray() || messagesNode.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty list of {role, content} objects");
        }
        List<ChatMessage> messages = new ArrayList<>();
        long promptChars = 0;
        for (int i = 0; i < messagesNode.size(); i++) {
            ChatMessage message = message(messagesNode.get(i), "messages[" + i + "]");
            messages.add(message);
            promptChars += message.content() == null ? 0 : message.content().length();
        }
        checkPromptLength(promptChars, "messages", limits);
        return build(body, messages, Map.of(), CHAT_FIELDS, privacyHeader, limits);
    }

    /** A {@code /v1/completions} body: its prompt becomes one user message, marked raw. */
    static Parsed completion(JsonNode body, String privacyHeader, Limits limits) {
        requireObject(body);
        JsonNode promptNode = body.get("prompt");
        String prompt;
        if (promptNode == null || promptNode.isNull()) {
            throw ApiException.invalid("prompt", "prompt is required: a string");
        } else if (promptNode.isTextual()) {
            prompt = promptNode.asText();
        } else if (promptNode.isArray() && promptNode.size() == 1 && promptNode.get(0).isTextual()) {
            prompt = promptNode.get(0).asText();
        } else {
            throw ApiException.invalid("prompt", "prompt must be a string (or a list of exactly one string; "
                    + "token-id prompts and batches are not supported), was " + describe(promptNode));
        }
        checkPromptLength(prompt.length(), "prompt", limits);
        if (isTrue(body.get("echo"))) {
            throw ApiException.invalid("echo", "echo is not supported");
        }
        rejectPresent(body, "suffix", "suffix (insertion) is not supported");
        rejectPresent(body, "logprobs", "logprobs are not supported");
        JsonNode bestOf = body.get("best_of");
        if (bestOf != null && !bestOf.isNull() && !(bestOf.isIntegralNumber() && bestOf.asInt() == 1)) {
            throw ApiException.invalid("best_of", "best_of must be 1 (one completion per request), was " + describe(bestOf));
        }
        return build(body, List.of(ChatMessage.user(prompt)), Map.of(RAW_PROMPT, true), COMPLETION_FIELDS,
                privacyHeader, limits);
    }

    private static Parsed build(JsonNode body, List<ChatMessage> messages, Map<String, Object> extra,
                                Set<String> known, String privacyHeader, Limits limits) {
        String model = AUTO;
        JsonNode modelNode = body.get("model");
        if (modelNode != null && !modelNode.isNull()) {
            if (!modelNode.isTextual() || modelNode.asText().isBlank()) {
                throw ApiException.invalid("model", "model must be a model id from /v1/models or \"auto\", was "
                        + describe(modelNode));
            }
            model = modelNode.asText();
        }
        SamplingParameters sampling = new SamplingParameters(
                number(body, "temperature", 0, 2, false),
                number(body, "top_p", 0, 1, true),
                integer(body, "top_k", 0, Integer.MAX_VALUE),
                number(body, "min_p", 0, 1, false),
                number(body, "presence_penalty", -2, 2, false),
                number(body, "frequency_penalty", -2, 2, false),
                repetitionPenalty(body),
                seed(body));
        Integer maxTokens = maxTokens(body, limits);
        List<String> stop = stop(body.get("stop"));
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
            throw ApiException.invalid("n", "n must be 1 (one choice per request), was " + describe(n));
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!stream) {
                throw ApiException.invalid("stream_options", "stream_options is only allowed when stream is true");
            }
            if (!options.isObject()) {
                throw ApiException.invalid("stream_options", "stream_options must be an object such as "
                        + "{\"include_usage\": true}, was " + describe(options));
            }
            includeUsage = bool(options, "include_usage", "stream_options.include_usage");
        }
        Map<String, Object> extensions = new LinkedHashMap<>();
        body.properties().forEach(field -> {
            if (!known.contains(field.getKey())) {
                extensions.put(field.getKey(), JsonProvider.MAPPER.convertValue(field.getValue(), Object.class));
            }
        });
        extensions.putAll(extra);
        if (privacy(body.get(Route.PRIVACY), privacyHeader)) {
            extensions.put(Route.PRIVACY, Route.LOCAL_ONLY);
        }
        return new Parsed(new ChatRequest(model, messages, sampling, stop, maxTokens, stream, extensions), includeUsage);
    }

    private static ChatMessage message(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw ApiException.invalid(path, path + " must be an object with role and content, was " + describe(node));
        }
        JsonNode roleNode = node.get("role");
        if (roleNode == null || !roleNode.isTextual()) {
            throw ApiException.invalid(path + ".role", path + ".role is required: one of system, developer, user, "
                    + "assistant, tool");
        }
        Role role;
        try {
            role = Role.fromWireName(roleNode.asText());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(path + ".role", path + ".role: " + e.getMessage());
        }
        String content = content(node.get("content"), path + ".content");
        Map<String, Object> extensions = new LinkedHashMap<>();
        node.properties().forEach(field -> {
            if (!Set.of("role", "content", "name", "reasoning_content", "tool_call_id").contains(field.getKey())) {
                extensions.put(field.getKey(), JsonProvider.MAPPER.convertValue(field.getValue(), Object.class));
            }
        });
        if (content == null && !(role == Role.ASSISTANT && extensions.containsKey("tool_calls"))) {
            throw ApiException.invalid(path + ".content", path + ".content is required for a " + role.wireName()
                    + " message");
        }
        String toolCallId = text(node, "tool_call_id", path);
        if (role == Role.TOOL && toolCallId == null) {
            throw ApiException.invalid(path + ".tool_call_id", path + ".tool_call_id is required for a tool message");
        }
        return new ChatMessage(role, content, text(node, "name", path), text(node, "reasoning_content", path),
                toolCallId, extensions);
    }

    /** A string, or OpenAI's list of content parts of which Trit takes the text ones. */
    private static String content(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < node.size(); i++) {
                JsonNode part = node.get(i);
                String type = part.path("type").asText("");
                if (!type.equals("text") || !part.path("text").isTextual()) {
                    throw ApiException.invalid(path + "[" + i + "]", path + "[" + i + "] must be a "
                            + "{\"type\": \"text\", \"text\": ...} part (only text is supported), was " + describe(part));
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiException.invalid(path, path + " must be a string or a list of text parts, was " + describe(node));
    }

    private static Integer maxTokens(JsonNode body, Limits limits) {
        // max_completion_tokens is OpenAI's newer name; it wins when both are sent.
        String field = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        Integer value = integer(body, field, 1, Integer.MAX_VALUE);
        if (value != null && value > limits.maxTokensCap()) {
            throw ApiException.invalid(field, field + " must be at most " + limits.maxTokensCap()
                    + " on this server (max.tokens.cap), was " + value);
        }
        return value;
    }

    private static List<String> stop(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isTextual()) {
            return node.asText().isEmpty() ? List.of() : List.of(node.asText());
        }
        if (node.isArray()) {
            List<String> stop = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isTextual() || item.asText().isEmpty()) {
                    throw ApiException.invalid("stop", "stop must be a string or a list of non-empty strings, "
                            + "had " + describe(item));
                }
                stop.add(item.asText());
            }
            return stop;
        }
        throw ApiException.invalid("stop", "stop must be a string or a list of strings, was " + describe(node));
    }

    private static boolean privacy(JsonNode field, String header) {
        boolean local = false;
        if (field != null && !field.isNull()) {
            if (!field.isTextual() || !field.asText().equals(Route.LOCAL_ONLY)) {
                throw ApiException.invalid(Route.PRIVACY, "privacy must be \"" + Route.LOCAL_ONLY + "\" (or absent), was "
                        + describe(field));
            }
            local = true;
        }
        if (header != null) {
            if (!header.trim().equals(Route.LOCAL_ONLY)) {
                throw ApiException.invalid("X-Trit-Privacy", "the X-Trit-Privacy header must be \"" + Route.LOCAL_ONLY
                        + "\" (or absent), was \"" + header + "\"");
            }
            local = true;
        }
        return local;
    }

    private static Double repetitionPenalty(JsonNode body) {
        // llama.cpp's server calls it repeat_penalty; Hugging Face tools say repetition_penalty.
        String field = body.hasNonNull("repeat_penalty") ? "repeat_penalty" : "repetition_penalty";
        return number(body, field, 0, Double.MAX_VALUE, true);
    }

    private static Long seed(JsonNode body) {
        JsonNode node = body.get("seed");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw ApiException.invalid("seed", "seed must be an integer, was " + describe(node));
        }
        return node.asLong();
    }

    private static Double number(JsonNode body, String field, double min, double max, boolean minExclusive) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        double value = node.asDouble();
        boolean inRange = node.isNumber() && (minExclusive ? value > min : value >= min) && value <= max;
        if (!inRange) {
            throw ApiException.invalid(field, field + " must be a number " + range(min, max, minExclusive)
                    + ", was " + describe(node));
        }
        return value;
    }

    private static Integer integer(JsonNode body, String field, int min, int max) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber() && !node.canConvertToInt() && node.bigIntegerValue().signum() > 0) {
            throw ApiException.invalid(field, field + " must be at most " + max + ", was " + describe(node));
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < min || node.asInt() > max) {
            throw ApiException.invalid(field, field + " must be an integer " + (max == Integer.MAX_VALUE
                    ? ">= " + min : "from " + min + " to " + max) + ", was " + describe(node));
        }
        return node.asInt();
    }

    private static boolean bool(JsonNode body, String field) {
        return bool(body, field, field);
    }

    private static boolean bool(JsonNode body, String field, String name) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw ApiException.invalid(name, name + " must be true or false, was " + describe(node));
        }
        return node.asBoolean();
    }

    private static String text(JsonNode message, String field, String path) {
        JsonNode node = message.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.invalid(path + "." + field, path + "." + field + " must be a string, was " + describe(node));
        }
        return node.asText();
    }

    private static void checkPromptLength(long chars, String param, Limits limits) {
        if (chars > limits.maxPromptChars()) {
            throw new ApiException(400, "The prompt has " + chars + " characters; this server accepts at most "
                    + limits.maxPromptChars() + " (max.prompt.chars)", param, "context_length_exceeded");
        }
    }

    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ApiException(400, "The request body must be a JSON object, was " + describe(body), null,
                    ErrorMapper.INVALID_JSON);
        }
    }

    private static void rejectPresent(JsonNode body, String field, String message) {
        if (body.hasNonNull(field)) {
            throw ApiException.invalid(field, message);
        }
    }

    private static boolean isTrue(JsonNode node) {
        return node != null && node.isBoolean() && node.asBoolean();
    }

    private static String range(double min, double max, boolean minExclusive) {
        if (max == Double.MAX_VALUE) {
            return minExclusive ? "> " + fmt(min) : ">= " + fmt(min);
        }
        return (minExclusive ? "in (" : "in [") + fmt(min) + ", " + fmt(max) + "]";
    }

    private static String fmt(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** The offending value as JSON, cut short: enough to recognize it, never a whole prompt. */
    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        String json = node.toString();
        return json.length() > 60 ? json.substring(0, 57) + "..." : json;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
