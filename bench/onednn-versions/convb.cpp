// conv micro-bench: fwd / bwd_data / bwd_weights per shape, median ms; layout = any or blocked(nChw8c)
#include "oneapi/dnnl/dnnl.hpp"
#include <chrono>
#include <cstdio>
#include <vector>
#include <algorithm>
#include <cstdlib>
#include <cstring>
using namespace dnnl; using tag = memory::format_tag; using dt = memory::data_type;
static double now() { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
template <class F> double med(F f, int reps) { f(); f(); std::vector<double> t; for (int i = 0; i < reps; i++) { double a = now(); f(); t.push_back(now() - a); } std::sort(t.begin(), t.end()); return t[reps / 2]; }
int main(int argc, char** argv) {
  engine eng(engine::kind::cpu, 0); stream s(eng);
  tag act = (argc > 1 && !strcmp(argv[1], "nhwc")) ? tag::nhwc : (argc > 1 && !strcmp(argv[1], "any")) ? tag::any : tag::nChw8c;
  int reps = 9;
  int shapes[][6] = {{64,64,56,3,1,1},{128,128,28,3,1,1},{256,256,14,3,1,1},{512,512,7,3,1,1},{64,256,56,1,1,0},{256,64,56,1,1,0},{256,1024,14,1,1,0},{1024,256,14,1,1,0},{128,128,56,3,2,1},{512,2048,7,1,1,0}};
  int N = 8;
  for (auto& sh : shapes) {
    int ic = sh[0], oc = sh[1], H = sh[2], k = sh[3], st = sh[4], p = sh[5]; int OH = (H + 2 * p - k) / st + 1;
    memory::desc src({N, ic, H, H}, dt::f32, act), dst({N, oc, OH, OH}, dt::f32, act), wei({oc, ic, k, k}, dt::f32, tag::any);
    memory::dims S = {st, st}, P = {p, p};
#if DNNL_VERSION_MAJOR >= 3
    auto fpd = convolution_forward::primitive_desc(eng, prop_kind::forward_training, algorithm::convolution_direct, src, wei, dst, S, P, P);
    auto dpd = convolution_backward_data::primitive_desc(eng, algorithm::convolution_direct, src, wei, dst, S, P, P, fpd);
    auto wpd = convolution_backward_weights::primitive_desc(eng, algorithm::convolution_direct, src, wei, dst, S, P, P, fpd);
#else
    auto fpd = convolution_forward::primitive_desc(convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, wei, dst, S, P, P), eng);
    auto dpd = convolution_backward_data::primitive_desc(convolution_backward_data::desc(algorithm::convolution_direct, src, wei, dst, S, P, P), eng, fpd);
    auto wpd = convolution_backward_weights::primitive_desc(convolution_backward_weights::desc(algorithm::convolution_direct, src, wei, dst, S, P, P), eng, fpd);
#endif
    memory msrc(fpd.src_desc(), eng), mw(fpd.weights_desc(), eng), mdst(fpd.dst_desc(), eng);
    memory mdsrc(dpd.diff_src_desc(), eng), mdw(wpd.diff_weights_desc(), eng), mddst(wpd.diff_dst_desc(), eng), mw2(dpd.weights_desc(), eng);
    for (auto* m : {&msrc, &mw, &mddst, &mw2}) { float* f = (float*)m->get_data_handle(); size_t n = m->get_desc().get_size() / 4; for (size_t i = 0; i < n; i++) f[i] = (rand() % 100) / 100.f - 0.5f; }
    convolution_forward fw(fpd); convolution_backward_data bd(dpd); convolution_backward_weights bw(wpd);
    double tf = med([&] { fw.execute(s, {{DNNL_ARG_SRC, msrc}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, mdst}}); s.wait(); }, reps);
    double td = med([&] { bd.execute(s, {{DNNL_ARG_DIFF_SRC, mdsrc}, {DNNL_ARG_WEIGHTS, mw2}, {DNNL_ARG_DIFF_DST, mddst}}); s.wait(); }, reps);
    double tw = med([&] { bw.execute(s, {{DNNL_ARG_SRC, msrc}, {DNNL_ARG_DIFF_WEIGHTS, mdw}, {DNNL_ARG_DIFF_DST, mddst}}); s.wait(); }, reps);
    printf("%4d->%-4d %3d k%d s%d  fwd %6.2f (%s)  bwd_d %6.2f (%s)  bwd_w %6.2f (%s)\n", ic, oc, H, k, st, tf, fpd.impl_info_str(), td, dpd.impl_info_str(), tw, wpd.impl_info_str());
  }
}
