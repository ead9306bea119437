"""Retrains the review classifier on the labelled reviews and registers it in MLflow."""
import random

import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

SEED = 7


def main():
    random.seed(SEED)
    np.random.seed(SEED)
    reviews = pd.read_csv("data/reviews.csv")
    x_train, x_test, y_train, y_test = train_test_split(
        reviews["text"], reviews["label"], test_size=0.25, random_state=SEED
    )
    with mlflow.start_run():
        model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=200, random_state=SEED))
        model.fit(x_train, y_train)
        predicted = model.predict(x_test)
        mlflow.log_metric("accuracy", accuracy_score(y_test, predicted))
        mlflow.log_metric("f1", f1_score(y_test, predicted))
        mlflow.sklearn.log_model(model, "model", registered_model_name="review-classifier")


if __name__ == "__main__":
    main()
