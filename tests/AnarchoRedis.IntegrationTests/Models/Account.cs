using System;

namespace AnarchoRedis.IntegrationTests.Models;

/// <summary>A model the source generator sees: the integration tests use its generated repository through DI.</summary>
[ReplicatedKey("account:{Region}:{Id}", Name = "tests.account", WriteConsistency = Consistency.All, ReadConsistency = Consistency.Quorum)]
public sealed class Account
{
    public Region Region { get; set; }

    public Guid Id { get; set; }

    public string Owner { get; set; } = string.Empty;

    public long Balance { get; set; }
}

public enum Region
{
    Europe,
    Asia,
}
