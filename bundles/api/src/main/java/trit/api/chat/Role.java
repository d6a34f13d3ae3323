package trit.api.chat;

import java.util.Locale;

/** Who wrote a message, with the names the OpenAI API uses on the wire. */
public enum Role {
    SYSTEM("system"),
    /** OpenAI's newer name for instructions from the application; providers may treat it as system. */
    DEVELOPER("developer"),
    USER("user"),
    ASSISTANT("assistant"),
    TOOL("tool");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** The role as written in JSON, e.g. {@code "assistant"}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The role with the given wire name.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones, when it is unknown
     */
    public static Role fromWireName(String name) {
        if (name != null) {
            for (Role role : values()) {
                if (role.wireName.equals(name.toLowerCase(Locale.ROOT))) {
                    return role;
                }
            }
        }
        throw new IllegalArgumentException("unknown role '" + name
                + "': expected one of system, developer, user, assistant, tool");
    }
}
