package io.otpgate.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The house's rules, read from the compiled classes of core, qr, the library (otpgate-spring) and the server (so a
 * fully qualified name counts as an import too). Each rule names what it keeps true; a failure lists every offending
 * dependency.
 */
class ArchitectureTest {

    private static final String CORE = "io.otpgate.core..";
    private static final String QR = "io.otpgate.qr..";
    private static final String LIBRARY = "io.otpgate.spring";
    private static final String SERVER = "io.otpgate.server";

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        // Main classes only, whether they come as directories or jars (core's test jar is on the classpath too).
        ImportOption mainOnly = location -> !location.contains("/test-classes/") && !location.contains("-tests.jar");
        classes = new ClassFileImporter().withImportOption(mainOnly).importPackages("io.otpgate");
    }

    @Test
    void coreImportsOnlyTheJdk() {
        noClasses().that().resideInAPackage(CORE)
                .should().dependOnClassesThat().resideOutsideOfPackages("java..", "javax..", CORE)
                .because("the OTP mathematics is JDK only: no framework, no clock, no I/O")
                .check(classes);
    }

    @Test
    void qrImportsOnlyTheJdkZxingAndCore() {
        noClasses().that().resideInAPackage(QR)
                .should().dependOnClassesThat()
                .resideOutsideOfPackages("java..", "javax..", "com.google.zxing..", CORE, QR)
                .because("QR codes need ZXing and nothing else")
                .check(classes);
    }

    @Test
    void theLibraryImportsNothingOfTheServer() {
        noClasses().that().resideInAnyPackage(LIBRARY + "..", CORE, QR)
                .should().dependOnClassesThat().resideInAPackage(SERVER + "..")
                .because("applications add the library without the server; arrows point server -> library -> core")
                .check(classes);
    }

    @Test
    void libraryPackagesHaveNoCycles() {
        slices().matching(LIBRARY + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void serverPackagesHaveNoCycles() {
        slices().matching(SERVER + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void deviceKindsDoNotImportEachOther() {
        slices().matching(LIBRARY + ".(totp|hotp|recovery)..").should().notDependOnEachOther()
                .because("each kind is a plug-in: a new kind is a new package, and nothing else changes")
                .check(classes);
    }

    @Test
    void sharedVerificationImportsNoKind() {
        noClasses().that().resideInAPackage(LIBRARY + ".device..")
                .should().dependOnClassesThat().resideInAnyPackage(kinds())
                .because("the verification transaction knows only the plug-in interface")
                .check(classes);
    }

    @Test
    void onlyTheRestApiAndItsTokensImportTokens() {
        noClasses().that().resideOutsideOfPackages(SERVER + ".token..", SERVER + ".api..")
                .should().dependOnClassesThat().resideInAPackage(SERVER + ".token..")
                .because("users, devices and the password throttle are not token concerns")
                .check(classes);
    }

    @Test
    void nothingImportsTheApplicationsOwnEdges() {
        noClasses().that().resideOutsideOfPackages(SERVER + ".admin..")
                .should().dependOnClassesThat().resideInAPackage(SERVER + ".admin..")
                .check(classes);
        noClasses().that().resideOutsideOfPackages(SERVER + ".api..")
                .should().dependOnClassesThat().resideInAPackage(SERVER + ".api..")
                .check(classes);
        noClasses().that().resideOutsideOfPackages(SERVER + ".cli..", SERVER)
                .should().dependOnClassesThat().resideInAPackage(SERVER + ".cli..")
                .because("the commands, the admin panel and the REST endpoints are the server's edges: they call "
                        + "services and are called by nothing")
                .check(classes);
        noClasses().that().resideOutsideOfPackages(SERVER + ".django..", SERVER + ".cli..")
                .should().dependOnClassesThat().resideInAPackage(SERVER + ".django..")
                .because("the Django import is run by a command only")
                .check(classes);
    }

    private static String[] kinds() {
        return new String[] {LIBRARY + ".totp..", LIBRARY + ".hotp..", LIBRARY + ".recovery.."};
    }
}
