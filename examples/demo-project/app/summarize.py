"""Weekly digest: summarizes a batch of reviews for the product team."""
from openai import OpenAI

from app.serve import app

client = OpenAI()

DIGEST_PROMPT = """You are an analyst for an online shop.
Summarize the customer reviews below for the product team.
Group the complaints by topic, quote one review per topic,
and end with the three changes that would help customers most."""


@app.post("/summarize")
def summarize(reviews: list[str]):
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        max_completion_tokens=800,
        messages=[
            {"role": "system", "content": DIGEST_PROMPT},
            {"role": "user", "content": "\n".join(reviews)},
        ],
    )
    return {"digest": response.choices[0].message.content}
