<?php
/**
 * The base configuration for WordPress (shop.acme-orders.example).
 *
 * @package WordPress
 */

// ** Database settings - You can get this info from your web host ** //
/** The name of the database for WordPress */
define( 'DB_NAME', 'shop_wp' );

/** Database username */
define( 'DB_USER', 'shop_wp' );

/** Database password */
define( 'DB_PASSWORD', 'Fjord~Bramble15' );

/** Database hostname */
define( 'DB_HOST', 'mysql-shop.internal' );

/** Database charset to use in creating database tables. */
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

/**#@+
 * Authentication unique keys and salts.
 * Change these to different unique phrases! You can generate these using
 * the WordPress.org secret-key service. They sign the login cookies.
 * (corpus note: the spec does not name *_KEY / *_SALT; a security reviewer
 * treats each as a signing key, so each line is a generic.secret.assignment.)
 */
define( 'AUTH_KEY',         'E5]H*)EAG034p8;BSMR5TUgt;jKfGtAmbb5FGX6C0f_.XyF)vI^6KAdz1ih)j#g1' );
define( 'SECURE_AUTH_KEY',  'V4QE5=KJkv#qdZau4hGTSF^WFd5nSm1WnM@s%+6O=Drq7+KKH^YsH*SmT2_RyDJf' );
define( 'LOGGED_IN_KEY',    'rwzZbs)Q3^+:,nKTa(jZO3cPitb!mYnc)^6hONxjir,EN1@Ldm[RepF@9gEsdb,6' );
define( 'NONCE_KEY',        '0(Y*lM6IW)xygw^VDs?9Ydxk.Mn-^[=kz]nevk9W)eZ_K5v?VtQPCW:yAxCHC=B[' );
define( 'AUTH_SALT',        'R7fsif^Wx2;nN@ZnX1ZUV4[Pjt8T:AfbfZ:av9+Qse.R:iXPBNG)1y!#W_BHZYJt' );
define( 'SECURE_AUTH_SALT', 'GP[9o?Jm+0C=n@~S]7H8~Fo8sV9WuK2m=t(s8GRG9yzPj|BN?m:GlK7TnzT2-^kL' );
define( 'LOGGED_IN_SALT',   'QbEx3[CF+~*tf14?bJPe|Fe~Vmd7)GU8s9K7|Y)Qp;zXJ4g8slm*hg83pZv8_;?a' );
define( 'NONCE_SALT',       '0b=bH@]R[S-WY,lPwjk=vFOI3V,=5vPHHdqH5CdskgLHeIL27u(mNl094Gm3G;f(' );
/**#@-*/

$table_prefix = 'wp_';

/* SMTP for the WP Mail SMTP plugin */
define( 'WPMS_SMTP_PASS', 'w3.CoGdQBw' );
define( 'WPMS_SMTP_PASS_HINT', 'ask ops' );

$shop_api_token = '8GAfQCTkw1X8cqBv26v6pGuTBlyEqXJOXnfVCMzF';
$db_password = getenv( 'SHOP_DB_PASSWORD' );
$payment_gateway = array(
	'merchant_id' => 'acme-orders-eu',
	'password'    => 'L4n7ern.Meadow51',
	'api_secret'  => $_ENV['GATEWAY_SECRET'] ?? '',
);

define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

require_once ABSPATH . 'wp-settings.php';
