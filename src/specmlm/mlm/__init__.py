"""Masked-LM pretraining: ``instances`` turns text into training and held-out sequences,
``pretrain`` trains a model on them (LAPT, VA + LAPT, the from-scratch RoBERTa, the tiny base model)."""
