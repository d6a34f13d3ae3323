package trit.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;

/**
 * How one OpenAI endpoint writes its choices: {@code chat.completion} messages and deltas, or
 * legacy {@code text_completion} text. {@link Answering} builds the envelopes around them.
 */
interface Wire {

    /** The id prefix, e.g. {@code chatcmpl-}. */
    String idPrefix();

    /** The {@code object} of a whole answer. */
    String object();

    /** The {@code object} of a streamed chunk. */
    String chunkObject();

    /** The one choice of a whole answer. */
    ObjectNode choice(ChatResponse response);

    /** The choice of the stream's first chunk (chat: the role), or null for none. */
    ObjectNode openingChoice();

    /** The choice carrying one delta, or null when it carries nothing this endpoint shows. */
    ObjectNode deltaChoice(ChatDelta delta);

    /** The choice of the last chunk, with the finish reason. */
    ObjectNode finishChoice(FinishReason reason);
}
