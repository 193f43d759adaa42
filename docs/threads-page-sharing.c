/* threads-page-sharing.c: why row-band splits of small maps do not scale here (docs/threads.md).
 * Two threads stream over 120 planes of a map (read one buffer, write the other, swap: the
 * ping-pong of an arena), split either by row bands of every plane or by halves of the
 * channels; one thread does the whole pass for reference. Best of 3 x 4000 passes.
 *   gcc -O2 -mavx512f -mfma docs/threads-page-sharing.c -o /tmp/band -lpthread && /tmp/band
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static int dir0=1, dir1=1; static int C=120, HW=784, SPLIT=336, PLANE=784;
static float *in, *out; static int mode, pingpong=1, onlyread=0, onlywrite=0; static atomic_int bar; static double tw[2];
static void barrier(int n){ static atomic_int gen; int g=atomic_load(&gen); if(atomic_fetch_add(&bar,1)+1==n){atomic_store(&bar,0);atomic_fetch_add(&gen,1);} else while(atomic_load(&gen)==g); }
static __m512 sink;
static void work(int t, int nt){
  int c0,c1,p0,p1;
  if(nt==1){c0=0;c1=C;p0=0;p1=HW;}
  else if(mode==0){c0=0;c1=C;p0=t?SPLIT:0;p1=t?HW:SPLIT;}
  else {c0=t?C/2:0;c1=t?C:C/2;p0=0;p1=HW;}
  __m512 k=_mm512_set1_ps(0.5f), acc=_mm512_setzero_ps();
  int dir = t? dir1 : dir0; if(nt==1) dir=1;
  for(int c=c0;c<c1;c++){ float*i=in+(size_t)c*PLANE,*o=out+(size_t)c*PLANE; for(int q=0;q<(p1-p0+15)/16;q++){ int p = dir>0 ? p0+16*q : p1-16-16*q;
     if(onlywrite) _mm512_storeu_ps(o+p,k);
     else if(onlyread) acc=_mm512_add_ps(acc,_mm512_loadu_ps(i+p));
     else _mm512_storeu_ps(o+p,_mm512_mul_ps(_mm512_loadu_ps(i+p),k));} }
  sink=_mm512_add_ps(sink,acc);
}
static void* thr(void*x){ int t=(int)(long)x; for(int r=0;r<4000;r++){ double t0=now(); work(t,2); tw[t]+=now()-t0; barrier(2); if(t==0 && pingpong){ float*s=in; in=out; out=s;} barrier(2);} return 0;}
static void run(const char*name){
 double best1=1e9,best2[2]={1e9,1e9}; double w0=0,w1=0;
 for(int rep=0;rep<3;rep++){
 double t0=now(); for(int r=0;r<4000;r++){ work(0,1); if(pingpong){float*s=in; in=out; out=s;}} double one=(now()-t0)/4000; if(one<best1)best1=one;
 for(mode=0;mode<2;mode++){ tw[0]=tw[1]=0; pthread_t th; t0=now(); pthread_create(&th,0,thr,(void*)1); thr((void*)0); pthread_join(th,0); double two=(now()-t0)/4000; if(two<best2[mode])best2[mode]=two;}}
 printf("%-40s 1t %6.2f us; 2t row bands %6.2f us (x%.2f), channel halves %6.2f us (x%.2f)\n", name, best1*1e6, best2[0]*1e6, best1/best2[0], best2[1]*1e6, best1/best2[1]);
}
int main(){ in=aligned_alloc(4096,200*4096*4); out=aligned_alloc(4096,200*4096*4); for(int i=0;i<200*4096;i++){in[i]=1;out[i]=1;}
 run("asc/asc");
 dir1=-1; run("t0 asc, t1 desc");
 dir0=-1; dir1=1; run("t0 desc, t1 asc");
 dir0=-1; dir1=-1; run("desc/desc");
 dir0=1; dir1=1; C=60; run("60 planes asc/asc");
 C=120; HW=196; PLANE=196; SPLIT=112; run("14x14 120 planes asc/asc split 112");
 HW=3136; PLANE=3136; SPLIT=1568; C=36; run("56x56 36 planes asc/asc split half");
}
