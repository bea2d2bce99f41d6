plugins {
    // The oldest Kotlin topiary-kotlin supports; any newer one works too.
    kotlin("jvm") version "1.9.25"
    application
}

repositories {
    mavenLocal()    // Topiary, from `mvn install` (until it is published)
    mavenCentral()  // TensorFlow Java and everything else
}

// TensorFlow Java's native library for the machine that runs this build. TF Java 1.1.0 publishes four;
// replace the runtimeOnly line below by `runtimeOnly("org.tensorflow:tensorflow-core-platform")` to ship
// all of them (about 600 MB).
val tensorflowNativeClassifier: String = run {
    val os = System.getProperty("os.name").lowercase()
    val arm = System.getProperty("os.arch") in setOf("aarch64", "arm64")
    when {
        os.startsWith("linux") -> if (arm) "linux-arm64" else "linux-x86_64"
        os.startsWith("mac") && arm -> "macosx-arm64"
        os.startsWith("windows") && !arm -> "windows-x86_64"
        else -> error("TensorFlow Java 1.1.0 publishes no native library for $os / ${System.getProperty("os.arch")}")
    }
}

dependencies {
    // The BOM gives every Topiary artifact, and the TF native, one version.
    implementation(platform("dev.topiary:topiary-bom:0.1.0-SNAPSHOT"))
    implementation("dev.topiary:topiary-dsl")
    implementation("dev.topiary:topiary-kotlin")   // Kotlin users only
    runtimeOnly("org.tensorflow:tensorflow-core-native::$tensorflowNativeClassifier")   // version from the BOM
}

kotlin {
    jvmToolchain(17)
}

// The same two mains as the Maven example (kept once, in ../consumer-maven, which CI builds).
sourceSets["main"].java.srcDir("../consumer-maven/src/main/java")
kotlin.sourceSets["main"].kotlin.srcDir("../consumer-maven/src/main/kotlin")

application {
    mainClass.set("example.PruneJava")
}

tasks.register<JavaExec>("runKotlin") {
    group = "application"
    description = "Runs the Kotlin example."
    classpath = sourceSets["main"].runtimeClasspath
    mainClass.set("example.PruneKotlinKt")
}
