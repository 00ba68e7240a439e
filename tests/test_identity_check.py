"""The separability check's CNN learns what is learnable and nothing else."""
import torch

from facefeat_lite.identity_check import SmallFaceNet, embed, train_small_facenet


def _colour_identities(n_ids=4, per_id=16, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    colours = torch.rand(n_ids, 3, 1, 1, generator=g)
    labels = torch.arange(n_ids).repeat_interleave(per_id)
    images = (colours[labels] + 0.05 * torch.randn(len(labels), 3, size, size, generator=g)).clamp(0, 1)
    return (images * 255).round().to(torch.uint8), labels


def test_small_facenet_shapes():
    net = SmallFaceNet(n_classes=5, width=8, emb_dim=16)
    emb = net(torch.rand(2, 3, 64, 64))
    assert emb.shape == (2, 16) and net.logits(emb).shape == (2, 5)
    assert net.logits(emb).abs().max() <= net.scale + 1e-4          # cosine logits are bounded by s


def test_learns_separable_identities_and_embeds_them_apart():
    images, labels = _colour_identities()
    net, losses = train_small_facenet(images, labels, steps=60, batch=16, width=8, seed=0)
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5
    emb = embed(net, images)
    assert torch.allclose(emb.norm(dim=1), torch.ones(len(emb)), atol=1e-5)
    sim = emb @ emb.T
    same = labels[:, None] == labels[None, :]
    assert sim[same].mean() > sim[~same].mean() + 0.3


def test_cannot_learn_random_labels_on_held_out_images():
    images, _ = _colour_identities(n_ids=1, per_id=64)                # one colour: nothing to tell apart
    labels = torch.arange(4).repeat(16)
    net, _ = train_small_facenet(images[:48], labels[:48], steps=40, batch=16, width=8, seed=0)
    with torch.no_grad():
        acc = (net.logits(net(images[48:].float() / 255)).argmax(1) == labels[48:]).float().mean()
    assert acc < 0.6
