;; Squared Euclidean distances from one query to every row of an N×D float32 matrix (D a multiple of 16), with WASM SIMD.
;; Source of the bytes embedded in scan-wasm.ts (npm run build:wasm); test/unit/face.scan.test.ts checks they match.
;; distances(matrix, rows, query, out, rowBytes): out[r] = Σ_j (matrix[r·D + j] − query[j])², byte offsets, rowBytes = 4·D.
(module
  (import "env" "memory" (memory 1))
  (func (export "distances") (param $m i32) (param $n i32) (param $q i32) (param $out i32) (param $rb i32)
    (local $r i32) (local $p i32) (local $j i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local.set $p (local.get $m))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        ;; four independent accumulators, 16 floats (64 bytes) an iteration, D/16 iterations a row
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $cols
          (local.set $d0 (f32x4.sub (v128.load offset=0 (i32.add (local.get $p) (local.get $j))) (v128.load offset=0 (i32.add (local.get $q) (local.get $j)))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $d0) (local.get $d0))))
          (local.set $d1 (f32x4.sub (v128.load offset=16 (i32.add (local.get $p) (local.get $j))) (v128.load offset=16 (i32.add (local.get $q) (local.get $j)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $d1) (local.get $d1))))
          (local.set $d2 (f32x4.sub (v128.load offset=32 (i32.add (local.get $p) (local.get $j))) (v128.load offset=32 (i32.add (local.get $q) (local.get $j)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $d2) (local.get $d2))))
          (local.set $d3 (f32x4.sub (v128.load offset=48 (i32.add (local.get $p) (local.get $j))) (v128.load offset=48 (i32.add (local.get $q) (local.get $j)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $d3) (local.get $d3))))
          (local.set $j (i32.add (local.get $j) (i32.const 64)))
          (br_if $cols (i32.lt_u (local.get $j) (local.get $rb))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (local.set $p (i32.add (local.get $p) (local.get $rb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))))
