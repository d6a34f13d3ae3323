package trit.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import trit.api.chat.ChatMessage;
import trit.api.chat.Role;
import trit.launcher.Main.LaunchException;

/**
 * A conversation in a file, as {@code tokenize --chat} reads it: a JSON array of OpenAI-style
 * messages, {@code {"role": …, "content": …}} (plus {@code name}, {@code tool_call_id},
 * {@code reasoning_content}; other fields reach the template as they are).
 */
final class ChatFile {

    private ChatFile() {
    }

    static List<ChatMessage> read(Path file, ObjectMapper json) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new LaunchException("tokenize: no chat file at " + file, null);
        }
        String where = "tokenize: " + file.getFileName() + ": ";
        JsonNode array;
        try {
            array = json.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new LaunchException(where + "not JSON: " + e.getOriginalMessage(), e);
        }
        if (array == null || !array.isArray()) {
            throw new LaunchException(where + "expected a JSON array of messages", null);
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode node : array) {
            String at = where + "messages[" + messages.size() + "]";
            if (!node.isObject()) {
                throw new LaunchException(at + " is not an object", null);
            }
            if (!node.path("role").isTextual()) {
                throw new LaunchException(at + ".role is missing or not a string", null);
            }
            Role role;
            try {
                role = Role.fromWireName(node.path("role").asText());
            } catch (IllegalArgumentException e) {
                throw new LaunchException(at + ".role: " + e.getMessage(), e);
            }
            JsonNode content = node.path("content");
            if (!content.isMissingNode() && !content.isNull() && !content.isTextual()) {
                throw new LaunchException(at + ".content is not a string", null);
            }
            Map<String, Object> extensions = new LinkedHashMap<>();
            node.properties().forEach(field -> {
                if (!List.of("role", "content", "name", "tool_call_id", "reasoning_content").contains(field.getKey())) {
                    extensions.put(field.getKey(), json.convertValue(field.getValue(), Object.class));
                }
            });
            messages.add(new ChatMessage(role, content.textValue(), text(node, "name"), text(node, "reasoning_content"),
                    text(node, "tool_call_id"), extensions));
        }
        return messages;
    }

    private static String text(JsonNode node, String field) {
        return node.path(field).textValue();
    }
}
