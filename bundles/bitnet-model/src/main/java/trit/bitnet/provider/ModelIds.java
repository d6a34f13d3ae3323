package trit.bitnet.provider;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids of the local models, one model each. Two files with the same {@code general.name}
 * would otherwise be two providers of one name, of which the router only ever sees one.
 */
final class ModelIds {

    /** Grants an id: the one wanted, or for a derived one that is taken, the file's own name. */
    interface Claim {
        /**
         * @param wanted   the configured {@code model.id}, or else the file's {@code general.name} or name
         * @param explicit whether {@code wanted} is the configured {@code model.id} (then it is that or nothing)
         * @throws IllegalArgumentException when an explicit id is another model's
         */
        String claim(String wanted, boolean explicit, Path file);
    }

    private record Holder(Object owner, Path file) {
    }

    private static final Map<String, Holder> HOLDERS = new ConcurrentHashMap<>();

    private ModelIds() {
    }

    /** Claims for {@code owner}; an id it holds already is its own to keep. */
    static Claim of(Object owner) {
        return (wanted, explicit, file) -> {
            if (take(owner, wanted, file)) {
                return wanted;
            }
            if (explicit) {
                throw new IllegalArgumentException("model.id '" + wanted + "' is already the id of "
                        + HOLDERS.get(wanted).file());
            }
            String stem = LoadedModel.fileStem(file);
            for (int n = 1; ; n++) {
                String id = n == 1 ? stem : stem + "-" + n;
                if (take(owner, id, file)) {
                    return id;
                }
            }
        };
    }

    private static boolean take(Object owner, String id, Path file) {
        Holder holder = HOLDERS.putIfAbsent(id, new Holder(owner, file));
        return holder == null || holder.owner() == owner;
    }

    /** Gives back every id {@code owner} holds except {@code keep} (null: all of them). */
    static void releaseAllBut(Object owner, String keep) {
        HOLDERS.entrySet().removeIf(e -> e.getValue().owner() == owner && !e.getKey().equals(keep));
    }
}
