// The Gradle (Kotlin DSL) form of ../consumer-maven: a user's project depending on the installed Topiary
// artifacts. First `mvn install` in the Topiary checkout (it puts them into ~/.m2, which mavenLocal() reads),
// then here: `gradle run` (the Java main) and `gradle runKotlin`. Needs Gradle 7.6+ and JDK 17.
rootProject.name = "topiary-consumer-gradle"
