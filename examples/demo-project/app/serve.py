"""Sentiment service: classifies reviews and explains the label with an LLM."""
import os

import joblib
import torch
import uvicorn
from fastapi import FastAPI, Request
from openai import OpenAI

app = FastAPI(title="sentiment")
client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY"))
MODEL_PATH = os.environ.get("MODEL_PATH", "models/sentiment.joblib")


def load_encoder():
    return torch.load("models/encoder.pt")


@app.post("/predict")
async def predict(request: Request):
    payload = await request.json()
    model = joblib.load(MODEL_PATH)
    encoder = load_encoder()
    features = encoder(payload["text"])
    label = model.predict([features])[0]
    return {"label": int(label)}


@app.post("/explain")
def explain(review: str, label: str):
    prompt = "You are a helpful analyst. Explain why this review is " + label + ":\n" + review
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": prompt}],
    )
    return {"explanation": response.choices[0].message.content}


if __name__ == "__main__":
    uvicorn.run("app.serve:app", host="0.0.0.0", port=8000, reload=True)
