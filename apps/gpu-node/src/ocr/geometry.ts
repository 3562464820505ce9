/**
 * Plane geometry for text boxes: convex hull, minimum-area rotated rectangle (rotating calipers),
 * the DB "unclip" expansion and convex-polygon overlap. All coordinates are pixels, y pointing down.
 */

export type TPoint = readonly [number, number];
/** Four corners, clockwise on screen (y down) from the top left. */
export type TQuadPx = [TPoint, TPoint, TPoint, TPoint];

export type TRotatedRect = {
  centre: TPoint;
  /** Side lengths in pixels; `widthPx` runs along `axis`. */
  widthPx: number;
  heightPx: number;
  /** Unit vector of the `widthPx` side. */
  axis: TPoint;
};

const cross = (o: TPoint, a: TPoint, b: TPoint): number =>
  (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Andrew's monotone chain. Returns the hull counter-clockwise in maths orientation, without collinear points. */
export function convexHull(points: readonly TPoint[]): TPoint[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return dedupe(pts);
  const lower: TPoint[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: TPoint[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return dedupe(lower.concat(upper));
}

function dedupe(pts: TPoint[]): TPoint[] {
  return pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1]![0] || p[1] !== pts[i - 1]![1]);
}

/** Signed area (positive when counter-clockwise in maths orientation). */
export function polygonSignedArea(poly: readonly TPoint[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s / 2;
}

export const polygonArea = (poly: readonly TPoint[]): number => Math.abs(polygonSignedArea(poly));

export function polygonPerimeter(poly: readonly TPoint[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    s += Math.hypot(b[0] - a[0], b[1] - a[1]);
  }
  return s;
}

/**
 * Minimum-area enclosing rectangle of a point set. The optimum has one side collinear with a hull
 * edge, so each edge direction is tried (rotating calipers without the pointer bookkeeping: hulls of
 * text components have tens of vertices, so O(h²) is cheaper than being clever).
 */
export function minAreaRect(points: readonly TPoint[]): TRotatedRect {
  const hull = convexHull(points);
  if (hull.length === 0) return { centre: [0, 0], widthPx: 0, heightPx: 0, axis: [1, 0] };
  if (hull.length === 1) return { centre: hull[0]!, widthPx: 0, heightPx: 0, axis: [1, 0] };
  let best: TRotatedRect | undefined;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    const ux = (b[0] - a[0]) / len;
    const uy = (b[1] - a[1]) / len;
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const p of hull) {
      const u = p[0] * ux + p[1] * uy;
      const v = -p[0] * uy + p[1] * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = {
        centre: [cu * ux - cv * uy, cu * uy + cv * ux],
        widthPx: maxU - minU,
        heightPx: maxV - minV,
        axis: [ux, uy],
      };
    }
  }
  return best!;
}

/** Corners of a rotated rectangle, ordered clockwise on screen from the top left. */
export function rectCorners(r: TRotatedRect): TQuadPx {
  const [cx, cy] = r.centre;
  const [ux, uy] = r.axis;
  const hw = r.widthPx / 2;
  const hh = r.heightPx / 2;
  const pts: TPoint[] = [
    [cx - ux * hw + uy * hh, cy - uy * hw - ux * hh],
    [cx + ux * hw + uy * hh, cy + uy * hw - ux * hh],
    [cx + ux * hw - uy * hh, cy + uy * hw + ux * hh],
    [cx - ux * hw - uy * hh, cy - uy * hw + ux * hh],
  ];
  return orderQuadClockwise(pts);
}

/**
 * PaddleOCR's corner order (get_mini_boxes): of the two leftmost points the upper is the top left and
 * the lower the bottom left; of the two rightmost the upper is the top right. Stable for any rotation
 * up to ±45°, and what the crop step expects.
 */
export function orderQuadClockwise(pts: readonly TPoint[]): TQuadPx {
  const s = [...pts].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const [l0, l1, r0, r1] = s as [TPoint, TPoint, TPoint, TPoint];
  const [tl, bl] = l0[1] <= l1[1] ? [l0, l1] : [l1, l0];
  const [tr, br] = r0[1] <= r1[1] ? [r0, r1] : [r1, r0];
  return [tl, tr, br, bl];
}

/**
 * DB "unclip": offset the shrunk text kernel outward by distance = area × ratio / perimeter
 * (PaddleOCR uses pyclipper with round joins). For a rectangle the minimum-area rectangle of that
 * rounded offset is exactly the rectangle grown by the distance on every side, so we compute that.
 */
export function unclipRect(r: TRotatedRect, ratio: number): TRotatedRect {
  const area = r.widthPx * r.heightPx;
  const perimeter = 2 * (r.widthPx + r.heightPx);
  const distancePx = perimeter > 0 ? (area * ratio) / perimeter : 0;
  return { ...r, widthPx: r.widthPx + 2 * distancePx, heightPx: r.heightPx + 2 * distancePx };
}

/** Intersection of two convex polygons (Sutherland–Hodgman). Either orientation. */
export function convexIntersection(subject: readonly TPoint[], clip: readonly TPoint[]): TPoint[] {
  const sign = polygonSignedArea(clip) >= 0 ? 1 : -1;
  let out: TPoint[] = [...subject];
  for (let i = 0; i < clip.length && out.length > 0; i++) {
    const a = clip[i]!;
    const b = clip[(i + 1) % clip.length]!;
    const inside = (p: TPoint) => sign * cross(a, b, p) >= 0;
    const input = out;
    out = [];
    for (let j = 0; j < input.length; j++) {
      const p = input[j]!;
      const q = input[(j + 1) % input.length]!;
      const pin = inside(p);
      const qin = inside(q);
      if (pin) out.push(p);
      if (pin !== qin) out.push(lineIntersection(p, q, a, b));
    }
  }
  return out;
}

function lineIntersection(p: TPoint, q: TPoint, a: TPoint, b: TPoint): TPoint {
  const d1x = q[0] - p[0], d1y = q[1] - p[1];
  const d2x = b[0] - a[0], d2y = b[1] - a[1];
  const den = d1x * d2y - d1y * d2x;
  if (den === 0) return p;
  const t = ((a[0] - p[0]) * d2y - (a[1] - p[1]) * d2x) / den;
  return [p[0] + t * d1x, p[1] + t * d1y];
}

/** Intersection over union of two convex quadrilaterals. */
export function quadIou(a: readonly TPoint[], b: readonly TPoint[]): number {
  const inter = polygonArea(convexIntersection(a, b));
  const union = polygonArea(a) + polygonArea(b) - inter;
  return union > 0 ? inter / union : 0;
}
