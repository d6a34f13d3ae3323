package trit.shell;

import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.SatisfiedReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

import trit.api.kernel.TernaryKernel;

/**
 * Which kernel service each model computes with, as Declarative Services has bound it: every
 * component configuration with a {@link TernaryKernel} reference (a local model), its
 * {@code model.file}, the reference's target filter ({@code kernel.target}) and the service bound
 * now. Reading the binding, rather than re-ranking the kernels against the filter, shows what
 * really computes, including while a kernel is being replaced.
 */
final class KernelBindings {

    /** The configuration key of a local model's file (the provider's {@code trit.model.file} property). */
    static final String MODEL_FILE = "model.file";

    /**
     * @param modelFile the component's {@code model.file}
     * @param target    the reference's target filter, or {@code null} for any kernel
     * @param serviceId the {@code service.id} of the kernel bound now, or {@code null} when none is
     */
    record Binding(String modelFile, String target, Long serviceId) {
    }

    private KernelBindings() {
    }

    /** The binding of every component configuration that serves a model file. */
    static List<Binding> of(ServiceComponentRuntime scr) {
        List<Binding> bindings = new ArrayList<>();
        String kernelType = TernaryKernel.class.getName();
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            for (ReferenceDTO reference : description.references) {
                if (!kernelType.equals(reference.interfaceName)) {
                    continue;
                }
                for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                    Object file = configuration.properties.get(MODEL_FILE);
                    if (file == null) {
                        continue; // a kernel user that is not a model (e.g. a tool or a test)
                    }
                    bindings.add(new Binding(file.toString(), target(configuration, reference),
                            bound(configuration, reference.name)));
                }
            }
        }
        return bindings;
    }

    /** The target in force: the configuration's {@code <name>.target}, else the one the component declares. */
    private static String target(ComponentConfigurationDTO configuration, ReferenceDTO reference) {
        for (SatisfiedReferenceDTO satisfied : configuration.satisfiedReferences) {
            if (satisfied.name.equals(reference.name) && satisfied.target != null) {
                return satisfied.target;
            }
        }
        for (UnsatisfiedReferenceDTO unsatisfied : configuration.unsatisfiedReferences) {
            if (unsatisfied.name.equals(reference.name) && unsatisfied.target != null) {
                return unsatisfied.target;
            }
        }
        Object configured = configuration.properties.get(reference.name + ".target");
        return configured != null ? configured.toString() : reference.target;
    }

    private static Long bound(ComponentConfigurationDTO configuration, String referenceName) {
        for (SatisfiedReferenceDTO satisfied : configuration.satisfiedReferences) {
            if (satisfied.name.equals(referenceName) && satisfied.boundServices.length > 0) {
                return satisfied.boundServices[0].id;
            }
        }
        return null;
    }
}
