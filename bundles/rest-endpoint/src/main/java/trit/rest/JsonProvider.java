package trit.rest;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.MessageBodyReader;
import jakarta.ws.rs.ext.MessageBodyWriter;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsMediaType;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.jakarta.rs.json.JacksonJsonProvider;

/**
 * Jackson as the JSON reader and writer of every whiteboard application: the whiteboard does not
 * find a JSON provider by itself, so it is registered as an extension.
 */
@Component(service = {MessageBodyReader.class, MessageBodyWriter.class}, scope = ServiceScope.PROTOTYPE)
@JakartarsExtension
@JakartarsName("trit.json")
@JakartarsMediaType(MediaType.APPLICATION_JSON)
@JakartarsApplicationSelect(RestApplication.ALL_APPLICATIONS)
public class JsonProvider extends JacksonJsonProvider {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            // Clients send fields this version does not know (OpenAI adds them often): not an error.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // {"model": …} trailing: not JSON, and what follows the object is not what was meant.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // {"privacy": "local_only", …, "privacy": "auto"}: which one was meant? Refused, not guessed.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    public JsonProvider() {
        super(MAPPER);
    }
}
