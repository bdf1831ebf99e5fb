namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>The hand-written model of these tests (the generated repository lives on another branch).</summary>
public sealed record Profile
{
    public int Id { get; set; }

    public string Name { get; set; } = string.Empty;

    public int Age { get; set; }

    /// <summary>The descriptor a generator would emit for <c>[ReplicatedKey("profile:{Id}")]</c>.</summary>
    public static ReplicatedValueDescriptor<Profile> Descriptor { get; } = new("tests.profile", "profile:{Id}");
}
