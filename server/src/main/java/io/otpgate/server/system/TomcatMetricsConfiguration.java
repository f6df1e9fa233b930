package io.otpgate.server.system;

import java.util.List;

import javax.management.MBeanServerFactory;

import org.apache.catalina.Container;
import org.apache.catalina.Context;
import org.apache.catalina.Manager;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.tomcat.metrics.TomcatMetricsBinder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.tomcat.TomcatMetrics;

/**
 * Tomcat's metrics as Spring Boot binds them, less a cost on the start-up path: Micrometer's {@link TomcatMetrics}
 * looks for Tomcat's MBeans in the JVM's platform MBean server, and making that server (every platform MXBean, the
 * flight recorder's included) took a few hundred milliseconds between the context's refresh and health UP. Tomcat
 * registers no MBeans unless {@code server.tomcat.mbeanregistry.enabled=true}, so the platform server would stay
 * without any of Tomcat's: the binder gets an empty server of its own instead, and the metrics are the same (the
 * session counts). With Tomcat's MBean registry enabled, Spring Boot's own binder applies, unchanged.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnProperty(name = "server.tomcat.mbeanregistry.enabled", havingValue = "false", matchIfMissing = true)
class TomcatMetricsConfiguration {

    /** Takes the place of Spring Boot's binder (its auto-configuration backs off for a bean of this type). */
    @Bean
    TomcatMetricsBinder tomcatMetricsBinder(MeterRegistry registry) {
        return new Binder(registry);
    }

    private static final class Binder extends TomcatMetricsBinder {

        private final MeterRegistry registry;
        private volatile TomcatMetrics metrics;

        Binder(MeterRegistry registry) {
            super(registry);
            this.registry = registry;
        }

        @Override
        public void onApplicationEvent(ApplicationStartedEvent event) {
            TomcatMetrics bound = new TomcatMetrics(manager(event.getApplicationContext()), List.of(),
                    MBeanServerFactory.newMBeanServer());
            bound.bindTo(registry);
            this.metrics = bound;
        }

        @Override
        public void destroy() {
            if (metrics != null) {
                metrics.close();
            }
        }

        /** The session manager of Tomcat's web application, as Spring Boot's binder finds it; null without Tomcat. */
        private static Manager manager(ApplicationContext context) {
            if (context instanceof WebServerApplicationContext web
                    && web.getWebServer() instanceof TomcatWebServer tomcat) {
                for (Container child : tomcat.getTomcat().getHost().findChildren()) {
                    if (child instanceof Context webApp) {
                        return webApp.getManager();
                    }
                }
            }
            return null;
        }
    }
}
