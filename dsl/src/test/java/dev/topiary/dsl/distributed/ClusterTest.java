package dev.topiary.dsl.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.training.Distribution;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster spec both the worker launcher and the chief read (no TF servers needed). */
class ClusterTest {

  @Test
  void theFingerprintNamesTheJob() {
    Cluster c = Cluster.parse("127.0.0.1:2222, 127.0.0.1:2223");
    assertThat(c.workers()).containsExactly("127.0.0.1:2222", "127.0.0.1:2223");
    // sha256sum of the string "127.0.0.1:2222,127.0.0.1:2223", computed outside Java
    assertThat(c.fingerprint()).isEqualTo("abeeb53d57ac690023867b81154813b1ca327453ddc08c5ecfdef57fe42d7ac1");
    assertThat(c.jobName()).isEqualTo("topiary_abeeb53d57ac6900");
    assertThat(c.device(1)).isEqualTo("/job:topiary_abeeb53d57ac6900/replica:0/task:1/device:CPU:0");
    assertThat(Cluster.parse("127.0.0.1:2223,127.0.0.1:2222").jobName()).as("order matters").isNotEqualTo(c.jobName());
  }

  @Test
  void badClustersAreRefusedNamingTheAddress() {
    assertThatThrownBy(() -> Cluster.parse("127.0.0.1:2222,10.1.2.3:2222"))
        .hasMessageContaining("mixes loopback and external addresses ('127.0.0.1:2222' is loopback, '10.1.2.3:2222' is not");
    assertThatThrownBy(() -> Cluster.parse("localhost:1,192.168.0.7:1")).hasMessageContaining("mixes loopback");
    assertThatThrownBy(() -> Cluster.parse("127.0.0.1:2222,127.0.0.1:2222")).hasMessageContaining("appears twice");
    assertThatThrownBy(() -> Cluster.parse("127.0.0.1")).hasMessageContaining("'127.0.0.1' is not host:port");
    assertThatThrownBy(() -> Cluster.parse("127.0.0.1:70000")).hasMessageContaining("port '70000'");
    assertThatThrownBy(() -> Cluster.parse("::1:2222")).hasMessageContaining("brackets");
    assertThat(Cluster.parse("[::1]:2222,127.0.0.1:2223").size()).isEqualTo(2);
    assertThatThrownBy(() -> Cluster.parse(" ")).hasMessageContaining("empty cluster");
    assertThatThrownBy(() -> Distribution.multiWorker("127.0.0.1:1", "10.0.0.1:1")).hasMessageContaining("mixes loopback");
    assertThatThrownBy(() -> Distribution.multiWorker("10.0.0.1:1").withTimeout(Duration.ofMillis(5)))
        .hasMessageContaining("at least 100 ms");
  }

  @Test
  void theLauncherTakesArgumentsOrTfConfig() {
    Worker.Task t = Worker.Task.parse(new String[] {"--cluster", "127.0.0.1:5000,127.0.0.1:5001", "--index", "1"}, null);
    assertThat(t.index()).isEqualTo(1);
    assertThat(t.cluster().workers()).containsExactly("127.0.0.1:5000", "127.0.0.1:5001");
    Worker.Task fromEnv = Worker.Task.parse(new String[0],
        "{\"cluster\": {\"worker\": [\"127.0.0.1:5000\", \"127.0.0.1:5001\"]}, \"task\": {\"type\": \"worker\", \"index\": 0}}");
    assertThat(fromEnv.cluster()).isEqualTo(t.cluster());
    assertThat(fromEnv.index()).isZero();
    assertThatThrownBy(() -> Worker.Task.parse(new String[] {"--cluster", "127.0.0.1:5000", "--index", "1"}, null))
        .hasMessageContaining("worker index 1 is outside the cluster of 1 workers");
    assertThatThrownBy(() -> Worker.Task.parse(new String[0],
        "{\"cluster\": {\"worker\": [\"127.0.0.1:5000\"], \"ps\": [\"127.0.0.1:5001\"]}, \"task\": {\"index\": 0}}"))
        .hasMessageContaining("lists the job 'ps'");
    assertThatThrownBy(() -> Worker.Task.parse(new String[0], "{not json")).hasMessageStartingWith("TF_CONFIG is not JSON");
    assertThatThrownBy(() -> Worker.Task.parse(new String[0], null)).hasMessageStartingWith("usage: Worker");
    assertThatThrownBy(() -> Worker.Task.parse(new String[] {"--index", "x", "--cluster", "127.0.0.1:1"}, null))
        .hasMessageContaining("--index takes an integer, got 'x'");
  }

  @Test
  void aWorkerServesOnlyItsOwnAddress() {
    assertThatThrownBy(() -> Worker.requireOwnAddress(new Worker.Task(Cluster.parse("192.0.2.1:5000"), 0)))
        .hasMessageContaining("192.0.2.1 is not an address of this machine");
    Worker.requireOwnAddress(new Worker.Task(Cluster.parse("127.0.0.1:5000"), 0));
    var def = Worker.serverDef(Cluster.parse("127.0.0.1:5000,127.0.0.1:5001"), 1);
    assertThat(def.getJobName()).startsWith("topiary_");
    assertThat(def.getTaskIndex()).isEqualTo(1);
    assertThat(def.getCluster().getJob(0).getTasksMap()).containsEntry(0, "127.0.0.1:5000").containsEntry(1, "127.0.0.1:5001");
    assertThat(def.getDefaultSessionConfig().getExperimental().getCollectiveGroupLeader())
        .isEqualTo("/job:" + def.getJobName() + "/replica:0/task:0");
    assertThat(List.of(def.getProtocol())).containsExactly("grpc");
  }

  @Test
  void workerInputClassesAndStepsAreCheckedWithClearMessages() {
    assertThatThrownBy(() -> Worker.instantiate("com.acme.Missing"))
        .hasMessage("--input com.acme.Missing: no such class on the worker's class path");
    assertThatThrownBy(() -> Worker.instantiate(String.class.getName()))
        .hasMessage("--input java.lang.String does not implement dev.topiary.dsl.distributed.WorkerInput");
    assertThatThrownBy(() -> Worker.instantiate(NoDefaultConstructor.class.getName()))
        .hasMessageStartingWith("--input " + NoDefaultConstructor.class.getName() + " needs a public no-argument constructor");
    assertThat(Worker.instantiate(Fixed.class.getName())).isInstanceOf(Fixed.class);
    assertThatThrownBy(() -> Distribution.multiWorker("127.0.0.1:5000").workerInput(0))
        .hasMessage("steps per epoch of worker input must be positive, got 0");
    assertThat(Distribution.multiWorker("127.0.0.1:5000").readsOnWorkers()).isFalse();
    assertThat(Distribution.multiWorker("127.0.0.1:5000").workerInput(3).withTimeout(Duration.ofSeconds(5))
        .workerInputSteps()).isEqualTo(3);
  }

  @Test
  void aClassThatIsNotAWorkerInputIsRefusedWithoutRunningItsStaticInitialiser() {
    assertThatThrownBy(() -> Worker.instantiate(NotAnInput.class.getName()))
        .hasMessage("--input " + NotAnInput.class.getName() + " does not implement " + WorkerInput.class.getName());
    assertThat(INITIALISED.get()).as("NotAnInput's static initialiser ran").isFalse();
  }

  static final java.util.concurrent.atomic.AtomicBoolean INITIALISED = new java.util.concurrent.atomic.AtomicBoolean();

  /** Records whether its static initialiser ran (the worker must not run code of a class it refuses). */
  public static final class NotAnInput {
    static {
      INITIALISED.set(true);
    }
  }

  public static final class Fixed implements WorkerInput {
    @Override
    public dev.topiary.dsl.data.Dataset open(WorkerContext context) {
      return dev.topiary.dsl.data.Dataset.of(new float[][] {{1f}}, new int[] {0});
    }
  }

  public static final class NoDefaultConstructor implements WorkerInput {
    public NoDefaultConstructor(int unused) {}

    @Override
    public dev.topiary.dsl.data.Dataset open(WorkerContext context) {
      throw new UnsupportedOperationException();
    }
  }
}
