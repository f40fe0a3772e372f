import Foundation

enum Config {
    static let apiBaseURL = URL(string: "https://api.acme-orders.example/mobile/v1")!
    static let analyticsApiKey = "ef2c721009cc682d88305c75a6ff477a"
    static let mapsApiKey = Bundle.main.object(forInfoDictionaryKey: "MAPS_API_KEY") as? String
    static let pushAuthToken = "MeBNmnPVVyOAeBsd60gfk9WPhkmVHt0n8GoJVT_jVQM"
}

struct LoginForm {
    var username: String = ""
    var password: String = ""
    var passwordHint: String?
}

final class DemoAccount {
    let user = "demo@acme-orders.example"
    let password = "Orchid+Mosaic30"
    let displayName = "Demo Store"
    private var cachedToken: String? = nil
}
