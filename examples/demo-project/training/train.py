"""Trains the review classifier."""
import random

import numpy as np
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

SEED = 1234


def augment(texts):
    out = []
    for text in texts:
        words = text.split()
        random.shuffle(words)
        out.append(" ".join(words))
    return out


def main():
    torch.manual_seed(SEED)
    reviews = augment(["great product", "would not buy again"])
    features = np.random.rand(1000, 32)
    labels = np.random.randint(0, 2, size=1000)
    x_train, x_test, y_train, y_test = train_test_split(features, labels, test_size=0.2)
    model = RandomForestClassifier(n_estimators=200)
    model.fit(x_train, y_train)
    print("accuracy", accuracy_score(y_test, model.predict(x_test)))
    torch.save(model, "models/model.pt")


if __name__ == "__main__":
    main()
