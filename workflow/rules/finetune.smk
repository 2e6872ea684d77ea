# Fine-tune and evaluate: one job per task x view x variant x seed set, then one table per task.


rule finetune:
    input:
        model=model_dir,
        data=run_data,
    output:
        "results/runs/{task}/{view}/{variant}/seed{seed}/metrics.json",
    params:
        settings=run_settings,
        checkpoints=lambda w: checkpoint_dir("finetune", w.task, w.view, w.variant, f"seed{w.seed}"),
    threads: 1
    resources:
        gpu=gpus,
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/finetune/{task}/{view}.{variant}.seed{seed}.log",
    benchmark:
        "results/benchmarks/finetune/{task}/{view}.{variant}.seed{seed}.tsv"
    script:
        "../scripts/finetune.py"


rule task_table:
    input:
        runs=lambda w: [f"{run.path}/metrics.json" for run in STUDY.runs if run.task == w.task],
        baselines="results/tables/baselines.csv",
    output:
        csv=report("results/tables/{task}.csv", caption="../report/tables.rst", category="Tables"),
        markdown="results/tables/{task}.md",
    params:
        settings=lambda w: settings("aggregate", {"task": w.task, "views": {v: {"language": e.language, "parent": e.parent} for v, e in VIEWS.items()}}),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/task_table/{task}.log",
    benchmark:
        "results/benchmarks/task_table/{task}.tsv"
    script:
        "../scripts/task_table.py"


rule learning_curves:
    input:
        [f"{run.path}/metrics.json" for run in STUDY.runs],
    output:
        report("results/tables/learning_curves.csv", caption="../report/learning_curves.rst", category="Tables"),
    params:
        settings=lambda w: settings("aggregate", {}),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/learning_curves.log",
    benchmark:
        "results/benchmarks/learning_curves.tsv"
    script:
        "../scripts/learning_curves.py"
