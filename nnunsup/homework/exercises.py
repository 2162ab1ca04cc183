"""The exercises: which solution region of the library each one blanks, and how it is graded.

An exercise is one slide formula whose code sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` inside one function of the library.  Its grading tests are the
project's own tests of that formula (by-hand values, loop-versus-kernel equality,
finite-difference gradient checks); each fails when the region raises
``NotImplementedError`` and passes with the solution.  ``builds_on`` names exercises
whose code the grading tests also run: stubbing one of those fails this one too.

Test ids are pytest node ids relative to the project root; a function-level id
(``…::test_name``) stands for all its parametrisations.
"""
from dataclasses import dataclass

__all__ = ["Exercise", "EXERCISES", "get_exercises"]


@dataclass(frozen=True)
class Exercise:
    """One homework exercise.

    Attributes
    ----------
    name : str             the key used on the command line (``som_step``)
    file : str             the module holding the region, relative to the project root
    function : str         the function (``som_step``) or method (``GAN._loss_and_grads``)
                           whose body holds the region
    ids : tuple of str     the SPEC formula IDs (``("C9",)``)
    task : str             one line: what to implement, with the slide section and ID
    points : int           earned only when every grading test passes
    tests : tuple of str   pytest node ids that grade it
    builds_on : tuple      names of exercises whose code the tests also run
    """

    name: str
    file: str
    function: str
    ids: tuple
    task: str
    points: int
    tests: tuple
    builds_on: tuple = ()

    @property
    def label(self):
        """The IDs as the docs write them: ``[G3, G4]``."""
        return "[" + ", ".join(self.ids) + "]"


_WTA = "tests/competitive/test_wta.py::"
_SOM = "tests/competitive/test_som.py::"
_REG = "tests/autoencoders/test_regularized.py::"
_CONTRACTIVE_ONE_LAYER = ("lam=0.5", "lam=0.5,activation=tanh,loss=bce",
                          "lam=0.5,code_activation=softplus",
                          "lam=0.5,code_activation=identity,tied=True",
                          "lam=0.5,tied=True,loss=bce")
_RBM = "tests/rbm/test_rbm.py::"
_GAN = "tests/gan/test_gan.py::"
_LOSSES = "tests/nn/test_losses.py::"

EXERCISES = (
    Exercise(
        "wta_step", "nnunsup/competitive/wta.py", "wta_step", ("C4",),
        'Slide "Жёсткая и мягкая конкуренция" (MIPT) [C4]: compute the squared distances '
        "d2 = ρ²(x, w_y) to every unit, the winner y = argmin d2, and the WTA step "
        "w_y += η (x − w_y) on the winner only, in place.",
        1, (_WTA + "test_wta_step_vectorised_equals_reference",
            _WTA + "test_wta_step_is_gradient_descent_on_half_rho2")),
    Exercise(
        "wtm_step", "nnunsup/competitive/wta.py", "wtm_step", ("C6",),
        'Slide "Жёсткая и мягкая конкуренция" (MIPT), "Hard and soft competition" (KBTU) '
        "[C6]: the WTM step w_y += η (x − w_y) K(ρ(x, w_y)) for every unit y, in place; "
        "keep the hard winner y and its ρ² in rho2 for the return line.",
        1, (_WTA + "test_wtm_step_vectorised_equals_reference",
            _WTA + "test_wtm_moves_every_centre_less_when_farther")),
    Exercise(
        "som_step", "nnunsup/competitive/som.py", "som_step", ("C9",),
        'Slide "Обучение карты Кохонена" (MIPT), "Kohonen Map Training" (KBTU) [C9]: the '
        "online SOM step on all nodes at once: winner c = argmin ‖x − w‖², then "
        "w_mh += η (x − w_mh) K(r(c, (m, h))) with K(r) = kernel(R[c], sigma), in place.",
        2, (_SOM + "test_online_step_equals_slide_loop",
            _SOM + "test_step_moves_the_winner_towards_x",
            _SOM + "test_online_and_reference_training_give_the_same_map")),
    Exercise(
        "som_batch_update", "nnunsup/competitive/som.py", "batch_update", ("C9",),
        'Slide "Обучение карты Кохонена" (MIPT) [C9], batch form: from the sums per winner '
        "S (MH, n) and counts (MH,), set w_k = Σ_j K(r(j, k)) S_j / Σ_j K(r(j, k)) n_j "
        "for every node with a positive denominator, in place.",
        2, (_SOM + "test_batch_update_is_the_kernel_weighted_mean",)),
    Exercise(
        "kl_sparsity", "nnunsup/autoencoders/regularized.py", "kl_sparsity_penalty", ("A6",),
        'Slide "Разреживающий автокодировщик (Sparse AE)" (MIPT) [A6]: the mean activations '
        "f̄_j, value = Σ_j KL(ε ‖ f̄_j) (use losses.kl_bernoulli) and its gradient "
        "dz = β ∂KL/∂f̄_j / N for every object.",
        1, (_REG + "test_kl_sparsity_penalty_by_hand",
            _REG + "test_sparse_objective_is_the_sum_of_its_terms",
            _REG + "test_sparse_gradient")),
    Exercise(
        "denoising_corruption", "nnunsup/autoencoders/regularized.py", "corrupt", ("A7",),
        'Slide "Шумоподавляющий автокодировщик (Denoising AE)" (MIPT) [A7]: draw '
        "x̃ ∼ q(x̃ | x): Gaussian x̃ = x + σ ε, or masking (each component zeroed with "
        "probability p0), from the given rng, in the dtype of X.",
        1, (_REG + "test_masking_zeroes_a_share_p0",
            _REG + "test_gaussian_noise_has_the_requested_sigma",
            _REG + "test_same_seed_same_noise")),
    Exercise(
        "contractive_penalty", "nnunsup/autoencoders/contractive.py", "contractive_penalty",
        ("A8",),
        'Slide "Сжимающий автокодировщик (Contractive AE)" (MIPT) [A8]: return '
        "‖J_f(x)‖²_F = Σ_j φ′(A x + a)_j² Σ_d α_jd² per object (for σ: "
        "Σ_j Σ_d (α_jd f_j (1 − f_j))²); _derivatives(h, activation) gives φ′.",
        1, (_REG + "test_contractive_penalty_is_the_squared_jacobian_norm",
            _REG + "test_contractive_penalty_is_the_slide_double_sum")),
    Exercise(
        "contractive_penalty_grads", "nnunsup/autoencoders/contractive.py",
        "contractive_penalty_grads", ("A8",),
        'Slide "Сжимающий автокодировщик (Contractive AE)" (MIPT) [A8]: the hand-derived '
        "gradient of λ (1/N) Σ_i ‖J_f(x_i)‖²_F: dA through Σ_d α_jd² and through f(x), "
        "da through f(x), as in the formula of the docstring.",
        3, (_REG + "test_contractive_penalty_grads",)
        + tuple(f"{_REG}test_contractive_gradient[{case}]" for case in _CONTRACTIVE_ONE_LAYER),
        builds_on=("contractive_penalty",)),
    Exercise(
        "reparameterize_backward", "nnunsup/autoencoders/vae.py", "reparameterize_backward",
        ("V2",),
        'Slide "Representation trick (stochastyczne BP)" (Polish), "Репараметризация" (MIPT) '
        "[V2]: backpropagate dz through z = μ + σ ⊙ ε, σ = e^(½ log σ²): dmu and dlog_var.",
        1, ("tests/autoencoders/test_vae.py::test_reparameterization_backward",)),
    Exercise(
        "kl_gauss", "nnunsup/nn/losses.py", "kl_gauss", ("V4",),
        'Slide "Kullback–Leibler divergence" (Polish) [V4]: the closed-form '
        "KL(N(μ, σ²) ‖ N(0, s²)) averaged over objects (kl_gauss_per_object may be used) "
        "and its gradients dmu and dlog_var.",
        2, (_LOSSES + "test_kl_gauss_value_closed_form",
            _LOSSES + "test_kl_gauss_gradcheck",
            _LOSSES + "test_kl_gauss_zero_at_prior")),
    Exercise(
        "cd_statistics", "nnunsup/rbm/rbm.py", "cd_statistics", ("R5",),
        'Slide "Contrastive divergence CD" (Polish) [R5]: the CD-k statistics '
        "ΔW = mean x hᵀ − mean x′h′ᵀ, Δa = mean(x − x′), Δb = mean(h − h′), times sign, "
        "as the dict delta (free_energy_grads or hidden_mean may be used).",
        2, (_RBM + "test_cd_statistics_are_the_slide_update",
            _RBM + "test_vectorised_chain_and_statistics_equal_the_loops",
            _RBM + "test_surrogate_gradient")),
    Exercise(
        "gan_generator_loss", "nnunsup/gan/gan.py", "generator_loss", ("G3", "G4"),
        'Slides "Постановка задачи GAN" (MIPT) [G3], "Trening GAN" (Polish) [G4]: the '
        "loss of the generator from the logits l of D and its gradient dlogits: minimax "
        "½ mean log(1 − σ(l)), non-saturating −½ mean log σ(l), without overflow.",
        1, (_GAN + "test_criteria_by_hand",)),
    Exercise(
        "gan_generator_backward", "nnunsup/gan/gan.py", "GAN._loss_and_grads", ("G3", "G4"),
        'Slides "Постановка задачи GAN" (MIPT) [G3], "Trening GAN" (Polish) [G4]: the '
        "turn of the generator: x = G(z), logits of D(x), loss by generator_loss, then "
        "backpropagate through D to x and on through G (grads of G only).",
        2, (_GAN + "test_gradients_of_each_player[G-non_saturating]",
            _GAN + "test_gradients_of_each_player[G-minimax]",
            _GAN + "test_model_objectives_by_hand"),
        builds_on=("gan_generator_loss",)),
)


def get_exercises(names=None):
    """The exercises called ``names`` (all when None), in the registry's order.

    Raises ``ValueError`` naming the first unknown name and listing the known ones.
    """
    known = {exercise.name: exercise for exercise in EXERCISES}
    if names is None:
        return list(EXERCISES)
    if isinstance(names, str):
        names = [names]
    for name in names:
        if name not in known:
            raise ValueError(f"unknown exercise {name!r}; choose from: {', '.join(known)}")
    wanted = set(names)
    return [exercise for exercise in EXERCISES if exercise.name in wanted]
