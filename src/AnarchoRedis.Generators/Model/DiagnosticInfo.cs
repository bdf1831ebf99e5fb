using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AnarchoRedis.Generators.Model;

/// <summary>
/// Where a diagnostic goes, as plain data. A <see cref="Location"/> holds its syntax tree, which would keep the
/// whole compilation alive in the cache and never compare equal across runs.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);
}

/// <summary>A diagnostic to report later, in its own output step, by descriptor id.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs) =>
        new(descriptor.Id, location, messageArgs.ToEquatableArray());
}
