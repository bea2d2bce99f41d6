import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Runs one TF MatMul so that oneDNN reports the instruction set it dispatched to. .ci/run launches it with
 * ONEDNN_VERBOSE=1 and the ONEDNN_MAX_CPU_ISA it then tests under, and checks oneDNN's "isa:" line: a
 * misspelt or ignored setting would otherwise leave the "held to AVX2" run testing this CPU's own kernels.
 * (TF's Eigen MatMul goes through oneDNN's gemm too, so the cap applies with TF_ENABLE_ONEDNN_OPTS=0 as well.)
 */
public class OnednnProbe {
  public static void main(String[] args) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      var x = tf.random.randomStandardNormal(tf.constant(new long[] {64, 256}), TFloat32.class);
      var w = tf.random.randomStandardNormal(tf.constant(new long[] {256, 256}), TFloat32.class);
      try (var r = s.runner().fetch(tf.linalg.matMul(x, w)).run()) {
        System.out.println("matmul ran: " + r.get(0).shape());
      }
    }
  }
}
