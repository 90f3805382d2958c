//! A tiny bounded minimiser for smoothing parameters.
//!
//! The objectives here (in-sample one-step squared error as a function of one
//! to four smoothing constants) are cheap, low-dimensional and usually
//! unimodal but not smooth enough to trust derivatives. A coarse grid finds
//! the right basin, then a compass (pattern) search refines it: try a step
//! up and down along each coordinate, keep any improvement, halve the step
//! when nothing improves. Everything is bounded in evaluations, allocation
//! free and deterministic (ties keep the earlier point).

/// Halvings of the step before the search stops.
const MAX_SHRINKS: u32 = 4;
/// Hard cap on the refinement's objective evaluations.
const MAX_EVALUATIONS: usize = 48;
/// Initial refinement step as a fraction of each parameter's range.
const INITIAL_STEP: f64 = 1.0 / 8.0;

/// The box a parameter vector lives in and the grid that seeds the search.
#[derive(Debug)]
pub(crate) struct Space<const N: usize> {
    pub lower: [f64; N],
    pub upper: [f64; N],
    pub grid: [&'static [f64]; N],
}

impl<const N: usize> Space<N> {
    /// `x` pulled into the box (NaN to the lower bound).
    pub fn clamp(&self, x: [f64; N]) -> [f64; N] {
        std::array::from_fn(|d| {
            if x[d].is_nan() {
                self.lower[d]
            } else {
                x[d].clamp(self.lower[d], self.upper[d])
            }
        })
    }
}

/// `fixed` pulled into `space` when given, else the point of `space` with
/// the smallest `objective` found by [`minimise`].
pub(crate) fn tune<const N: usize>(
    space: &Space<N>,
    fixed: Option<[f64; N]>,
    objective: impl FnMut(&[f64; N]) -> f64,
) -> [f64; N] {
    match fixed {
        Some(x) => space.clamp(x),
        None => minimise(space, objective),
    }
}

/// The point of `space` with the smallest `objective` found by a grid search
/// followed by a compass search.
///
/// A non-finite objective value counts as +∞, so diverging parameter sets
/// simply lose.
pub(crate) fn minimise<const N: usize>(
    space: &Space<N>,
    mut objective: impl FnMut(&[f64; N]) -> f64,
) -> [f64; N] {
    let mut eval = |x: &[f64; N]| {
        let value = objective(x);
        if value.is_finite() {
            value
        } else {
            f64::INFINITY
        }
    };
    let (mut best, mut best_value) = grid_search(space, &mut eval);
    let mut step: [f64; N] =
        std::array::from_fn(|d| (space.upper[d] - space.lower[d]) * INITIAL_STEP);
    let mut evaluations = 0;
    let mut shrinks = 0;
    while shrinks < MAX_SHRINKS && evaluations < MAX_EVALUATIONS {
        let mut improved = false;
        for d in 0..N {
            for direction in [1.0, -1.0] {
                let mut x = best;
                x[d] = (best[d] + direction * step[d]).clamp(space.lower[d], space.upper[d]);
                if x[d] == best[d] {
                    continue;
                }
                let value = eval(&x);
                evaluations += 1;
                if value < best_value {
                    best = x;
                    best_value = value;
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            step.iter_mut().for_each(|s| *s *= 0.5);
            shrinks += 1;
        }
    }
    best
}

/// The best point of the Cartesian product of the grid (an empty axis uses the
/// middle of its range).
fn grid_search<const N: usize>(
    space: &Space<N>,
    eval: &mut impl FnMut(&[f64; N]) -> f64,
) -> ([f64; N], f64) {
    let mut index = [0_usize; N];
    let mut best = std::array::from_fn(|d| 0.5 * (space.lower[d] + space.upper[d]));
    let mut best_value = f64::INFINITY;
    loop {
        let x = space.clamp(std::array::from_fn(|d| {
            space.grid[d]
                .get(index[d])
                .copied()
                .unwrap_or(0.5 * (space.lower[d] + space.upper[d]))
        }));
        let value = eval(&x);
        if value < best_value {
            best = x;
            best_value = value;
        }
        // Odometer increment over the axes.
        let mut d = 0;
        loop {
            if d == N {
                return (best, best_value);
            }
            index[d] += 1;
            if index[d] < space.grid[d].len() {
                break;
            }
            index[d] = 0;
            d += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPACE: Space<2> = Space {
        lower: [0.0, -1.0],
        upper: [1.0, 1.0],
        grid: [&[0.1, 0.5, 0.9], &[-0.5, 0.5]],
    };

    #[test]
    fn finds_an_interior_minimum_between_grid_points() {
        let x = minimise(&SPACE, |p| (p[0] - 0.37).powi(2) + (p[1] + 0.21).powi(2));
        assert!((x[0] - 0.37).abs() < 0.02, "{x:?}");
        assert!((x[1] + 0.21).abs() < 0.02, "{x:?}");
    }

    #[test]
    fn stays_inside_the_bounds() {
        let x = minimise(&SPACE, |p| -p[0] - p[1]);
        assert_eq!(x, [1.0, 1.0]);
    }

    #[test]
    fn fixed_parameters_are_only_clamped() {
        let mut calls = 0;
        let x = tune(&SPACE, Some([f64::NAN, 5.0]), |_| {
            calls += 1;
            0.0
        });
        assert_eq!((x, calls), ([0.0, 1.0], 0));
        let mut calls = 0;
        let x = tune(&SPACE, None, |p| {
            calls += 1;
            (p[0] - 0.42).powi(2) + p[1].powi(2)
        });
        assert!((x[0] - 0.42).abs() < 0.01, "{x:?}");
        assert!(calls <= 6 + MAX_EVALUATIONS, "{calls} evaluations");
    }

    #[test]
    fn treats_non_finite_objectives_as_worst() {
        let x = minimise(&SPACE, |p| if p[0] < 0.5 { f64::NAN } else { p[0] });
        assert!(x[0] >= 0.5, "{x:?}");
    }

    #[test]
    fn is_deterministic() {
        let f = |p: &[f64; 2]| (p[0] * 7.0).sin() + (p[1] * 3.0).cos();
        assert_eq!(minimise(&SPACE, f), minimise(&SPACE, f));
    }
}
