package trit.tokenizer;

import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELResolver;

import trit.api.chat.ChatMessage;
import trit.api.tokenizer.ChatTemplate;

/**
 * A model's own Jinja chat template, rendered with Jinjava the way Hugging Face transformers
 * renders it: {@code trim_blocks} and {@code lstrip_blocks}, one trailing newline of the
 * template dropped (Jinja's default), Python's operator precedence, dict keys and iteration, and
 * the globals, filters and tags transformers adds ({@code raise_exception}, {@code strftime_now},
 * {@code {% generation %}}, {@code tojson} as {@code json.dumps} writes it, {@code trim} as
 * {@code str.strip()}), and Python's {@code str} methods on strings ({@link PythonStringMethods}).
 * Known differences that remain: Jinjava prints {@code true}/{@code false} and an empty string
 * where Python prints {@code True}/{@code False}/{@code None}, and inside blocks an error's line
 * is the enclosing block's.
 *
 * <p>Variables: {@code messages} (each with {@code role}, {@code content} and, when set,
 * {@code name}, {@code tool_call_id}, {@code reasoning_content} and the message's extensions
 * such as {@code tool_calls}), {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}. The template is parsed when first rendered, so loading a tokenizer never
 * pays for the engine.
 */
final class JinjaChatTemplate implements ChatTemplate {

    private final String name;
    private final String template;
    private final Map<String, Object> tokens;

    /**
     * @param name     where the template comes from ({@code "gguf"}, {@code "tokenizer_config"})
     * @param template the Jinja source
     * @param bosToken the text of the BOS token, or {@code null}
     * @param eosToken the text of the EOS token, or {@code null}
     */
    JinjaChatTemplate(String name, String template, String bosToken, String eosToken) {
        this.name = name;
        this.template = withoutTrailingNewline(Objects.requireNonNull(template, "template"));
        this.tokens = Map.of("bos_token", Objects.requireNonNullElse(bosToken, ""),
                "eos_token", Objects.requireNonNullElse(eosToken, ""));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> bindings = new LinkedHashMap<>(tokens);
        bindings.put("messages", messages.stream().map(JinjaChatTemplate::asDict).toList());
        bindings.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result = withOwnClassLoader(() -> Engine.JINJAVA.renderForResult(template, bindings));
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(error);
            }
        }
        return result.getOutput();
    }

    private IllegalArgumentException failure(TemplateError error) {
        String where = "the chat template (" + name + ") ";
        String line = error.getLineno() > 0 ? " at line " + error.getLineno() : "";
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof Raised raised) {
                return new IllegalArgumentException(where + "rejects the conversation" + line + ": " + raised.getMessage());
            }
        }
        return new IllegalArgumentException(where + "fails" + line + ": " + error.getMessage());
    }

    /**
     * Runs {@code work} with this bundle's class loader as the thread's context class loader:
     * Jinjava's expression language loads its parser classes by name through the context class
     * loader, which in a framework is the caller's and cannot see this bundle's private packages.
     */
    private static <T> T withOwnClassLoader(java.util.function.Supplier<T> work) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(JinjaChatTemplate.class.getClassLoader());
        try {
            return work.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** A message as transformers hands it to a template: a dict with the OpenAI field names. */
    private static Map<String, Object> asDict(ChatMessage message) {
        Map<String, Object> dict = new LinkedHashMap<>(message.extensions());
        dict.put("role", message.role().wireName());
        dict.put("content", message.content());
        putIfSet(dict, "name", message.name());
        putIfSet(dict, "tool_call_id", message.toolCallId());
        putIfSet(dict, "reasoning_content", message.reasoningContent());
        return dict;
    }

    private static void putIfSet(Map<String, Object> dict, String key, Object value) {
        if (value != null) {
            dict.put(key, value);
        }
    }

    /** Jinja drops a single trailing newline of a template ({@code keep_trailing_newline=False}); Jinjava does not. */
    private static String withoutTrailingNewline(String template) {
        if (template.endsWith("\r\n")) {
            return template.substring(0, template.length() - 2);
        }
        if (template.endsWith("\n") || template.endsWith("\r")) {
            return template.substring(0, template.length() - 1);
        }
        return template;
    }

    @Override
    public String toString() {
        return "JinjaChatTemplate[" + name + "]";
    }

    /** What {@code raise_exception(message)} throws: the template's own verdict on a conversation. */
    static final class Raised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Raised(String message) {
            super(message);
        }
    }

    /** The functions transformers adds to a template's globals (bound by name, so public). */
    public static final class Functions {
        private Functions() {
        }

        public static String raiseException(Object message) {
            throw new Raised(String.valueOf(message));
        }

        public static String strftimeNow(String format) {
            return StrftimeFormatter.format(ZonedDateTime.now(), format);
        }
    }

    /** One engine for all templates, made on first use (it takes a few hundred milliseconds); thread-safe. */
    private static final class Engine {
        static final Jinjava JINJAVA = create();

        private static Jinjava create() {
            LegacyOverrides python = LegacyOverrides.newBuilder()
                    .withEvaluateMapKeys(true)
                    .withIterateOverMapKeys(true)
                    .withUsePyishObjectMapper(true)
                    .withUseNaturalOperatorPrecedence(true)
                    .withKeepNullableLoopValues(true)
                    .build();
            Jinjava jinjava = new Jinjava(JinjavaConfig.newBuilder()
                    .withTrimBlocks(true)
                    .withLstripBlocks(true)
                    .withLegacyOverrides(python)
                    .withElResolver(pythonStrings())
                    // A prompt is text for a context window: far below this; a runaway loop stops here.
                    .withMaxOutputSize(64L << 20)
                    .build());
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    Functions.class, "raiseException", Object.class));
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                    Functions.class, "strftimeNow", String.class));
            jinjava.getGlobalContext().registerTag(new GenerationTag());
            jinjava.getGlobalContext().registerFilter(new PythonFilter("trim") {
                @Override
                Object apply(Object value, Object[] args, Map<String, Object> kwargs) {
                    if (value == null) {
                        return "";
                    }
                    return PythonText.strip(value.toString(), args.length > 0 && args[0] != null ? args[0].toString() : null, true, true);
                }
            });
            jinjava.getGlobalContext().registerFilter(new PythonFilter("tojson") {
                @Override
                Object apply(Object value, Object[] args, Map<String, Object> kwargs) {
                    Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
                    return PythonText.toJson(value, indent instanceof Number n ? n.intValue() : -1);
                }
            });
            return jinjava;
        }
    }

    /** Python's str methods first, then Jinjava's own (read-only) resolver for everything else. */
    private static ELResolver pythonStrings() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return resolver;
    }

    /**
     * transformers' {@code {% generation %}…{% endgeneration %}}, which marks the assistant's
     * part for training masks: for a prompt, its body rendered as it is.
     */
    private static final class GenerationTag implements Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }

    /** A filter replacing Jinjava's own of the same name with Python's behaviour. */
    private abstract static class PythonFilter implements Filter {
        private final String name;

        PythonFilter(String name) {
            this.name = name;
        }

        abstract Object apply(Object value, Object[] args, Map<String, Object> kwargs);

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return apply(value, args, kwargs);
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            return apply(value, args, Map.of());
        }
    }
}
