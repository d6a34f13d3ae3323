package trit.router;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Component;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.Role;
import trit.router.spi.ComplexityEstimator;

/**
 * The shipped complexity estimator: deterministic, explainable, no model. It adds up evidence that
 * a small local model (BitNet b1.58 2B, English-centric) would answer badly, each feature capped,
 * the sum clamped to [0, 1]:
 * <ul>
 * <li>{@code reasoning} — words that ask for proofs, analysis, derivations, multi-step or design
 *     work (English, German, French, Spanish, Russian, Chinese, Japanese): 0.55 for the first
 *     strong one, +0.1 per further one; weaker words ("compare", "explain why", "pros and cons")
 *     0.3 each, at most 0.5 (two of them cross the threshold);</li>
 * <li>{@code code} — code in the prompt (fences, syntax) 0.2; asking for substantial code
 *     (implement, refactor, debug, concurrency, tests, an API) 0.5;</li>
 * <li>{@code math} — notation beyond arithmetic (integrals, limits, matrices, equations) 0.2;</li>
 * <li>{@code length} — the last user message's estimated tokens: 0 up to 80, rising to 0.3 at 600;</li>
 * <li>{@code structure} — several lines, enumerations, several questions: up to 0.35;</li>
 * <li>{@code language} — text mostly in non-Latin scripts: 0.5 (the local model is trained on English);</li>
 * <li>{@code conversation} — long conversations (6 messages or more): 0.1.</li>
 * </ul>
 * The weights were chosen so that a single strong reasoning word, substantial code, or a
 * non-Latin script crosses the default threshold of 0.5 alone, and length or structure only
 * together with other evidence. The labelled set in the tests measures the result.
 */
@Component(service = ComplexityEstimator.class, property = {ComplexityEstimator.ESTIMATOR_NAME + "=heuristic",
        "service.ranking:Integer=0"})
public class HeuristicComplexityEstimator implements ComplexityEstimator {

    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

    private static final Pattern STRONG = Pattern.compile(String.join("|",
            "\\bprov(e|es|ing)\\b", "\\bproofs?\\b", "\\btheorems?\\b", "\\blemmas?\\b", "\\brigorous(ly)?\\b",
            "\\bderiv(e|ation)\\b", "\\bstep[- ]by[- ]step\\b", "\\bmulti[- ]step\\b", "\\banaly[sz](e|es|ing|is)\\b",
            "\\bin[- ]depth\\b", "\\btrade[- ]?offs?\\b", "\\bcritiques?\\b", "\\bcritically\\b", "\\barchitecture\\b",
            "\\bdesign (a|an|the)\\b", "\\binduction\\b", "\\bcontradiction\\b", "\\boptimi[sz](e|ation)\\b",
            "\\basymptotic\\b", "\\broot cause\\b", "\\bcomprehensive\\b", "\\bliterature review\\b",
            "\\bcompare and contrast\\b", "\\bimplications\\b", "\\bstrategy\\b", "\\bthreat model\\b",
            "\\bbeweis(e|en)?\\b", "\\banalysiere\\b", "\\bherleitung\\b",
            "\\bd[ée]montr(e|er|ez)\\b", "\\bpreuve\\b", "\\banalys(er|ez)\\b",
            "\\bdemuestr(a|e)\\b", "\\bdemostrar\\b", "\\banaliz(a|ar)\\b",
            "\\bдокаж(и|ите)\\b", "\\bдоказательств", "\\bпроанализиру",
            "证明", "分析", "推导", "証明", "解析"), FLAGS);

    private static final Pattern MEDIUM = Pattern.compile(String.join("|",
            "\\bcompare\\b", "\\bexplain (why|how)\\b", "\\bpros and cons\\b", "\\bevaluate\\b", "\\bjustify\\b",
            "\\bwhy does\\b", "\\bweigh(ing)?\\b", "\\bassess\\b", "\\breason(ing)? about\\b", "\\bplan for\\b", "\\bestimate\\b",
            "\\bvergleiche\\b", "\\bcompar(ez|a)\\b", "\\bсравни\\b", "比较", "比較"), FLAGS);

    private static final Pattern CODE_ASK = Pattern.compile(String.join("|",
            "\\bimplement\\b", "\\brefactor\\b", "\\bdebug\\b", "\\bthread[- ]safe\\b", "\\bconcurren(t|cy)\\b",
            "\\bunit tests?\\b", "\\brest api\\b", "\\bmicroservices?\\b", "\\bparser\\b", "\\bcompiler\\b",
            "\\bdistributed\\b", "\\bdatabase schema\\b", "\\bmemory leak\\b", "\\brace condition\\b",
            "\\bdeadlock\\b", "\\block[- ]free\\b"), FLAGS);

    private static final Pattern CODE_TEXT = Pattern.compile(
            "```|\\bdef \\w+\\(|\\bpublic (static |final )?\\w+|\\bfunction \\w*\\(|=>|#include|\\bimport \\w|;\\s*$|\\{\\s*$",
            FLAGS | Pattern.MULTILINE);

    private static final Pattern MATH = Pattern.compile(
            "[∫∑∏√∂∇≤≥≠∞]|\\\\(frac|int|sum|lim)|\\blim\\b|\\bintegral\\b|\\bderivative\\b|\\beigen\\w*|\\bmatri(x|ces)\\b"
                    + "|\\bdifferential equation\\b|\\bprobability that\\b|\\bx\\^\\d|\\bsolve for\\b", FLAGS);

    private static final Pattern ENUMERATION = Pattern.compile("^\\s*([-*•]|\\d+[.)])\\s+", Pattern.MULTILINE);

    @Override
    public Estimate estimate(ChatRequest request) {
        String text = lastUserText(request);
        Map<String, Double> features = new LinkedHashMap<>();

        int strong = count(STRONG, text);
        int medium = count(MEDIUM, text);
        features.put("reasoning", strong > 0 ? Math.min(0.75, 0.55 + 0.1 * (strong - 1)) : Math.min(0.5, 0.3 * medium));
        double code = (CODE_TEXT.matcher(text).find() ? 0.2 : 0) + (CODE_ASK.matcher(text).find() ? 0.5 : 0);
        features.put("code", code);
        features.put("math", MATH.matcher(text).find() ? 0.2 : 0);
        int tokens = TokenEstimate.of(text);
        features.put("length", tokens <= 80 ? 0 : Math.min(0.3, 0.3 * (tokens - 80) / 520.0));
        features.put("structure", structure(text));
        features.put("language", nonLatinShare(text) > 0.3 ? 0.5 : 0);
        features.put("conversation", request.messages().size() >= 6 ? 0.1 : 0);

        double score = Math.min(1, features.values().stream().mapToDouble(Double::doubleValue).sum());
        return new Estimate(score, features);
    }

    private static String lastUserText(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == Role.USER && messages.get(i).content() != null) {
                return messages.get(i).content();
            }
        }
        return "";
    }

    private static int count(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        java.util.Set<String> distinct = new java.util.HashSet<>();
        while (m.find()) {
            distinct.add(m.group().toLowerCase(java.util.Locale.ROOT));
        }
        return distinct.size();
    }

    private static double structure(String text) {
        long lines = text.lines().filter(l -> !l.isBlank()).count();
        long items = ENUMERATION.matcher(text).results().count();
        long questions = text.chars().filter(c -> c == '?' || c == '？').count();
        double s = (lines >= 4 ? 0.1 : 0) + (items >= 3 ? 0.15 : 0) + (questions >= 3 ? 0.15 : 0);
        return Math.min(0.35, s);
    }

    /** The share of letters outside the Latin script. */
    private static double nonLatinShare(String text) {
        int letters = 0;
        int nonLatin = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetter(cp)) {
                letters++;
                if (Character.UnicodeScript.of(cp) != Character.UnicodeScript.LATIN) {
                    nonLatin++;
                }
            }
        }
        return letters == 0 ? 0 : (double) nonLatin / letters;
    }
}
