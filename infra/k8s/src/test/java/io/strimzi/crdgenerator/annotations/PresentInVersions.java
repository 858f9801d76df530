package io.strimzi.crdgenerator.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The annotation with which Strimzi's API model (io.strimzi:api) marks a property that only some API versions have,
 * e.g. {@code "v1beta2"} or {@code "v1+"}. Its class ships in Strimzi's crd-generator, which is not on Maven Central;
 * the model's class files keep the annotation (runtime retention), so declaring it here with the same name and member
 * lets {@code StrictModel} read it and reject a field that the manifest's API version does not have.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.FIELD, ElementType.TYPE})
public @interface PresentInVersions {
    String value();
}
